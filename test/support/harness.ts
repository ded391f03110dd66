import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDomus, type Domus, type DomusOverrides } from '../../src/app';
import { ManualClock } from '../../src/platform/clock';
import { testConfig, type Config } from '../../src/platform/config';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db';
import { NatsEventBus, RedisEventBus } from '../../src/platform/events';
import { newId } from '../../src/platform/ids';
import { createThrowawayDatabase } from './throwaway-database';

/**
 * The whole Domus stack for a test file: PGlite in memory by default; when DATABASE_URL is set,
 * a fresh PostgreSQL database created for this file and dropped after; when REDIS_URL is set,
 * the Redis event bus under a key prefix of its own.
 */
export interface TestDomus extends Domus {
  clock: ManualClock;
  config: Config;
  databaseKind: 'pglite' | 'postgres';
}

export async function openTestDatabase(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const handle = await openDatabase({});
    return { handle, drop: async () => handle.close() };
  }
  const database = await createThrowawayDatabase(adminUrl, 'domus_test');
  const handle = await openDatabase({ url: database.url, poolSize: 5 });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await database.drop();
    },
  };
}

export async function createTestDomus(
  options: { config?: Parameters<typeof testConfig>[0]; overrides?: DomusOverrides; clockStart?: string } = {},
): Promise<TestDomus> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'domus-test-'));
  const config = testConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '10000', ...options.config });
  const clock = new ManualClock(options.clockStart ?? '2026-03-01T09:00:00.000Z');
  const { handle, drop } = await openTestDatabase();
  const redisUrl = process.env.REDIS_URL;
  // EVENT_BUS=nats with NATS_URL (CI's NATS step) puts the test nodes on the NATS bus instead.
  const natsUrl = process.env.EVENT_BUS === 'nats' ? process.env.NATS_URL : undefined;
  const bus = natsUrl
    ? new NatsEventBus(natsUrl, `test-${newId()}`, `domus-test.${newId()}.`)
    : redisUrl
      ? new RedisEventBus(redisUrl, `test-${newId()}`, `domus-test:${newId()}:`)
      : undefined;
  const domus = await createDomus(
    { ...config, REDIS_URL: redisUrl },
    { clock, database: handle, rateLimitNamespace: `domus-test:${newId()}:rl:`, ...(bus ? { bus } : {}), ...options.overrides },
  );
  return {
    ...domus,
    clock,
    config,
    databaseKind: handle.kind,
    close: async () => {
      await domus.close();
      await bus?.close();
      await drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SignedInUser {
  id: string;
  email: string;
  cookie: string;
}

let userCounter = 0;

/** Signs up a fresh user through the HTTP API and returns its session cookie. */
export async function signUp(domus: Domus, name = 'Test User'): Promise<SignedInUser> {
  userCounter += 1;
  const email = `user${userCounter}-${newId().slice(-6)}@example.test`;
  const response = await domus.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: 'correct horse battery staple', displayName: name },
  });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((item) => item.name === 'domus_session');
  if (!cookie) throw new Error('sign-up set no session cookie');
  // Sessions are bound to the device they were opened on: send the device cookie beside them.
  const device = response.cookies.find((item) => item.name === 'domus_device');
  const cookies = device ? `domus_session=${cookie.value}; domus_device=${device.value}` : `domus_session=${cookie.value}`;
  return { id: (response.json() as { user: { id: string } }).user.id, email, cookie: cookies };
}

/** Creates an organization owned by the user and returns its id. */
export async function createOrganization(domus: Domus, user: SignedInUser, name = 'Test Agency'): Promise<string> {
  const response = await domus.app.inject({
    method: 'POST',
    url: '/api/v1/organizations',
    headers: { cookie: user.cookie },
    payload: { name },
  });
  if (response.statusCode !== 201) throw new Error(`create organization failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: string }).id;
}
