import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { eventBusKind } from '../../src/platform/config';
import { NatsEventBus, RedisEventBus, type EventBus } from '../../src/platform/events';
import { newId } from '../../src/platform/ids';
import { createThrowawayDatabase } from './throwaway-database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ClusterNode {
  name: string;
  port: number;
  baseUrl: string;
  wsUrl: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL: no goodbye to Redis, no closing frames — what a crashed node looks like. */
  kill(): Promise<void>;
}

/**
 * Real `src/main.ts` server processes over one PostgreSQL database and one Redis, as deployed
 * behind a load balancer. The database is created fresh and dropped on `close()`.
 */
export class Cluster {
  readonly nodes: ClusterNode[] = [];
  private constructor(
    private readonly databaseUrl: string,
    private readonly drop: () => Promise<void>,
    private readonly dataDir: string,
    private readonly environment: Record<string, string>,
  ) {}

  static async create(adminUrl: string, redisUrl: string, environment: Record<string, string> = {}): Promise<Cluster> {
    const database = await createThrowawayDatabase(adminUrl, 'domus_cluster');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'domus-cluster-'));
    return new Cluster(
      database.url,
      database.drop,
      dataDir,
      { REDIS_URL: redisUrl, SECRET_KEY: newId() + newId(), AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...environment },
    );
  }

  async start(name: string, timeoutMs = 90_000): Promise<ClusterNode> {
    const port = await freePort();
    const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...inherited,
        LOG_LEVEL: 'warn',
        SEED_DEMO_DATA: 'false',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        PORT: String(port),
        DATA_DIR: path.join(this.dataDir, name),
        DATABASE_URL: this.databaseUrl,
        ...this.environment,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const node: ClusterNode = {
      name,
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}`,
      child,
      output: () => text,
      exited,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.nodes.push(node);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`node ${name} exited early:\n${text}`);
      try {
        if ((await fetch(`${node.baseUrl}/ready`)).ok) return node;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`node ${name} did not become ready:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** A statement on the cluster's database (test setup that has no API, like a passed second factor). */
  async sql(text: string, values: unknown[] = []): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /**
   * Marks a session as having passed a second factor now — what POST /security/step-up records —
   * and announces it on the cluster's bus as identity does, so no node keeps serving its cached
   * copy of the session.
   */
  async stepUpSession(sessionId: string): Promise<void> {
    await this.sql('UPDATE sessions SET mfa_verified_at = now() WHERE id = $1', [sessionId]);
    // The bus the nodes chose (they inherit EVENT_BUS and NATS_URL from this process).
    const natsUrl = process.env.NATS_URL;
    const kind = eventBusKind({ EVENT_BUS: (process.env.EVENT_BUS ?? 'auto') as 'auto', NATS_URL: natsUrl, REDIS_URL: this.environment.REDIS_URL });
    const bus: EventBus = kind === 'nats' ? new NatsEventBus(natsUrl as string, 'cluster-test') : new RedisEventBus(this.environment.REDIS_URL as string, 'cluster-test');
    try {
      await bus.publish('identity.access.changed', { reason: 'second factor passed (test)', sessions: [sessionId] });
    } finally {
      await bus.close();
    }
    // Redis has written the notice to every node's socket when PUBLISH returns; give them a beat to read it.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async close(): Promise<void> {
    for (const node of this.nodes) await node.kill();
    await this.drop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A signed-in user of a cluster, through its public HTTP API. */
export async function signUpOver(baseUrl: string, name: string): Promise<{ id: string; email: string; cookie: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${newId().slice(-8)}@example.test`;
  const response = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery staple', displayName: name }),
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  // Every cookie set at sign-up: the session is bound to the device cookie set beside it.
  const cookies = response.headers.getSetCookie().map((header) => header.split(';')[0]!);
  if (!cookies.some((pair) => pair.startsWith('domus_session='))) throw new Error('no session cookie');
  const cookie = cookies.join('; ');
  return { id: ((await response.json()) as { user: { id: string } }).user.id, email, cookie };
}

export async function apiCall<T = Record<string, unknown>>(baseUrl: string, cookie: string, method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/api/v1${url}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Seller organization with an agent, an active listing, and a buyer's deal on it. */
export async function dealOver(baseUrl: string): Promise<{ dealId: string; buyer: { id: string; cookie: string }; seller: { id: string; cookie: string } }> {
  const [owner, seller, buyer] = await Promise.all(['Owner', 'Sam Seller', 'Bea Buyer'].map((name) => signUpOver(baseUrl, name))) as [
    Awaited<ReturnType<typeof signUpOver>>, Awaited<ReturnType<typeof signUpOver>>, Awaited<ReturnType<typeof signUpOver>>,
  ];
  const organization = await apiCall<{ id: string }>(baseUrl, owner.cookie, 'POST', '/organizations', { name: 'Cluster Estates' });
  await apiCall(baseUrl, owner.cookie, 'POST', `/organizations/${organization.id}/members`, { email: seller.email, role: 'agent' });
  const property = await apiCall<{ id: string }>(baseUrl, seller.cookie, 'POST', '/properties', {
    organizationId: organization.id, address: 'Damrak 1', city: 'Amsterdam', country: 'NL', postalCode: '1012 LG',
    latitude: 52.376, longitude: 4.896, propertyType: 'apartment', livingAreaM2: 70, bedrooms: 2, features: [],
  });
  const listing = await apiCall<{ id: string }>(baseUrl, seller.cookie, 'POST', '/listings', {
    propertyId: property.id, kind: 'sale', title: 'Cluster flat', description: 'A flat.', askingPrice: { amountMinor: 50_000_000, currency: 'EUR' },
  });
  await apiCall(baseUrl, seller.cookie, 'POST', `/listings/${listing.id}/status`, { status: 'active' });
  const deal = await apiCall<{ id: string }>(baseUrl, buyer.cookie, 'POST', '/deals', { listingId: listing.id });
  return { dealId: deal.id, buyer, seller };
}
