import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine(
      (value) => {
        if (value === undefined) return true;
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/**
 * Every setting Domus reads from its environment. Parsed once at boot; a bad value stops the
 * process with a message naming the variable (see formatConfigError).
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./var'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  NATS_URL: optionalUrl(['nats:']),
  /**
   * The bus between nodes. `auto`: NATS when NATS_URL is set, else Redis when REDIS_URL is set, else
   * in-process (one node). REDIS_URL keeps holding lock-outs and rate limits whichever bus is used.
   */
  EVENT_BUS: z.enum(['auto', 'nats', 'redis', 'in-process']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  SECRET_KEY: z
    .string()
    .min(32, 'must be at least 32 characters (generate one with: openssl rand -hex 32)')
    .optional(),
  SEED_DEMO_DATA: booleanFromEnv.default(true),
  DEMO_LISTINGS: z.coerce.number().int().min(0).max(200_000).default(2400),
  /** Ids of the organizations whose owners and admins administer the valuation model registry (docs/valuation.md). */
  VALUATION_ADMIN_ORGANIZATIONS: commaList,
  CORS_ORIGINS: commaList,
  MAP_TILE_URL: z.string().default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  MAP_TILE_ATTRIBUTION: z.string().default('© OpenStreetMap contributors'),
  FILE_STORE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: optionalUrl(['http:', 'https:']),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  UPLOAD_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 14),
  // Per-node caches of sessions, memberships and risk profiles (docs/security.md): changes are
  // announced on the bus at once; this lifetime only bounds staleness if a notice is lost. 0 = off.
  AUTH_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  TRUST_PROXY: booleanFromEnv.default(false),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  // WebAuthn passkeys: the relying-party id (default: PUBLIC_URL's host) and origins accepted
  // besides PUBLIC_URL's (e.g. the Vite dev server).
  WEBAUTHN_RP_ID: z.string().trim().min(1).regex(/^[a-z0-9.-]+$/i, 'must be a host name such as example.com').optional(),
  WEBAUTHN_ORIGINS: commaList.refine(
    (origins) => origins.every((origin) => /^https?:\/\/[^/\s]+$/.test(origin)),
    'must be comma-separated origins such as http://localhost:5173',
  ),
  // Realtime gateway (docs/realtime.md).
  REALTIME_FRAMES_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(20),
  REALTIME_HISTORY_PER_ROOM: z.coerce.number().int().min(10).max(1_000_000).default(1000),
  REALTIME_PRESENCE_TTL_MS: z.coerce.number().int().min(500).max(600_000).default(5000),
  REALTIME_DOCUMENT_IDLE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  // Concurrent write lanes for room messages on PostgreSQL (rooms are partitioned over them); PGlite uses one.
  REALTIME_WRITE_LANES: z.coerce.number().int().min(1).max(32).default(2),
  // Tokenization (docs/tokenization.md): without CHAIN_RPC_URL an in-process EVM persisted under DATA_DIR/chain.
  CHAIN_RPC_URL: optionalUrl(['http:', 'https:']),
  CHAIN_SIGNER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 32-byte hex private key starting with 0x')
    .optional(),
  CHAIN_STABLECOIN_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte hex address').optional(),
  CHAIN_CONFIRMATIONS: z.coerce.number().int().min(0).max(1000).optional(),
  CHAIN_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  CHAIN_RECORD_PERIOD_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
  // Most native coin (wei) the operator sends a custodial wallet in one gas top-up on a chain that charges gas.
  CHAIN_GAS_TOPUP_MAX_WEI: z.coerce.bigint().min(0n).default(50_000_000_000_000_000n),
});

type ParsedEnvironment = z.infer<typeof configSchema>;

export interface Config extends Omit<ParsedEnvironment, 'PUBLIC_URL'> {
  PUBLIC_URL: string;
}

export class ConfigError extends Error {
  constructor(public readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = environment[key];
    if (value !== undefined) input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(unknown)'),
        message:
          issue.code === 'invalid_value' || issue.code === 'invalid_type'
            ? `${issue.message} (got ${JSON.stringify(input[String(issue.path[0])])})`
            : issue.message,
      })),
    );
  }
  const value = parsed.data;
  if (value.FILE_STORE === 's3') {
    const missing = (['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter(
      (key) => !value[key],
    );
    if (missing.length > 0) {
      throw new ConfigError(missing.map((variable) => ({ variable, message: 'is required when FILE_STORE=s3' })));
    }
  }
  if (value.EVENT_BUS === 'nats' && !value.NATS_URL) throw new ConfigError([{ variable: 'NATS_URL', message: 'is required when EVENT_BUS=nats' }]);
  if (value.EVENT_BUS === 'redis' && !value.REDIS_URL) throw new ConfigError([{ variable: 'REDIS_URL', message: 'is required when EVENT_BUS=redis' }]);
  if (value.CHAIN_RPC_URL && !value.CHAIN_SIGNER_KEY) {
    throw new ConfigError([{ variable: 'CHAIN_SIGNER_KEY', message: 'is required when CHAIN_RPC_URL is set (the operator key that deploys and administers the contracts)' }]);
  }
  return { ...value, PUBLIC_URL: value.PUBLIC_URL ?? `http://localhost:${value.PORT}` };
}

/** Which event bus the configuration selects (EVENT_BUS, resolving `auto`). */
export function eventBusKind(config: Pick<Config, 'EVENT_BUS' | 'NATS_URL' | 'REDIS_URL'>): 'nats' | 'redis' | 'in-process' {
  if (config.EVENT_BUS !== 'auto') return config.EVENT_BUS;
  return config.NATS_URL ? 'nats' : config.REDIS_URL ? 'redis' : 'in-process';
}

/** A config for tests: defaults plus overrides, never reading process.env. */
export function testConfig(overrides: Partial<Record<keyof ParsedEnvironment, string>> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO_DATA: 'false', ...overrides });
}
