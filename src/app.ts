import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { AuditLog } from './platform/audit';
import { systemClock, type Clock } from './platform/clock';
import { eventBusKind, type Config } from './platform/config';
import { CursorCodec } from './platform/cursor';
import { migrateToLatest, openDatabase, type DatabaseHandle } from './platform/db';
import { InProcessEventBus, NatsEventBus, RedisEventBus, type EventBus } from './platform/events';
import { LocalFileStore, S3FileStore, type FileStore } from './platform/files';
import { createHttpServer } from './platform/http';
import { policy, PolicyGateway } from './platform/policy';
import { newId } from './platform/ids';
import { createLogger, type Logger } from './platform/logger';
import { loadSecrets, type Secrets } from './platform/secrets';
import type { PlatformServices } from './platform/services';
import { createIdentityModule, type IdentityModule } from './modules/identity';
import { createListingsModule, type ListingsModule } from './modules/listings';
import { createDealsModule, type DealsModule } from './modules/deals';
import { createSecurityGuard, createSecurityModule, type SecurityModule } from './modules/security';
import { createRealtimeModule, type RealtimeModule } from './modules/realtime';
import { roleRank, sessionCookieName as identitySessionCookie } from './modules/identity';
import { createMarketModule, type MarketModule } from './modules/market';
import { createValuationModule, type ValuationModule } from './modules/valuation';
import { createTokenizationModule, type TokenizationModule } from './modules/tokenization';

export interface DomusOverrides {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseHandle;
  bus?: EventBus;
  files?: FileStore;
  secrets?: Secrets;
  /** Key prefix for shared rate-limit counters in Redis (tests use one per run). */
  rateLimitNamespace?: string;
}

export interface Domus {
  app: FastifyInstance;
  /** The policy gateway: every /api route's declared policy, enforced (platform/policy.ts). */
  gateway: PolicyGateway;
  platform: PlatformServices;
  modules: { identity: IdentityModule; listings: ListingsModule; deals: DealsModule; security: SecurityModule; market: MarketModule; tokenization: TokenizationModule; realtime: RealtimeModule; valuation: ValuationModule };
  /** Stops accepting requests, lets in-flight ones finish, then closes the stores. */
  close(): Promise<void>;
}

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const webDistDirectory = path.join(repositoryRoot, 'web', 'dist');

/** The composition root: opens the stores, builds every module and mounts their routes. */
export async function createDomus(config: Config, overrides: DomusOverrides = {}): Promise<Domus> {
  const logger = overrides.logger ?? createLogger(config);
  const nodeId = `${process.pid}-${newId().slice(-8)}`;
  const database =
    overrides.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      pgliteDataDir: path.join(config.DATA_DIR, 'pglite'),
      poolSize: config.DATABASE_POOL_SIZE,
      logger,
    }));
  const opened: Array<() => Promise<void>> = overrides.database ? [] : [() => database.close()];
  try {
    await migrateToLatest(database.db, logger);
    const bus =
      overrides.bus ??
      (eventBusKind(config) === 'nats'
        ? new NatsEventBus(config.NATS_URL as string, nodeId, 'domus.events.', logger)
        : eventBusKind(config) === 'redis'
          ? new RedisEventBus(config.REDIS_URL as string, nodeId, 'domus:events:', logger)
          : new InProcessEventBus(nodeId, logger));
    if (!overrides.bus) opened.unshift(() => bus.close());
    const files =
      overrides.files ??
      (config.FILE_STORE === 's3'
        ? new S3FileStore({
            endpoint: config.S3_ENDPOINT as string,
            bucket: config.S3_BUCKET as string,
            region: config.S3_REGION,
            accessKeyId: config.S3_ACCESS_KEY_ID as string,
            secretAccessKey: config.S3_SECRET_ACCESS_KEY as string,
          })
        : new LocalFileStore(path.join(config.DATA_DIR, 'files')));
    const secrets = overrides.secrets ?? loadSecrets(config);
    const clock = overrides.clock ?? systemClock;
    const platform: PlatformServices = {
      config,
      logger,
      database,
      db: database.db,
      bus,
      files,
      clock,
      secrets,
      cursors: new CursorCodec(secrets),
      audit: new AuditLog(database.db, { clock, secrets, logger }),
      nodeId,
    };

    // Security's log-in guard (lock-out, devices, risk) is built first: identity receives it.
    const securityGuard = createSecurityGuard(platform);
    const identity = createIdentityModule(platform, { logInGuard: securityGuard.logInGuard });
    const listings = createListingsModule(platform, { access: identity.access });
    const deals = createDealsModule(platform, { access: identity.access, listings: listings.service });
    const security = createSecurityModule(platform, { identity, guard: securityGuard });
    const market = createMarketModule(platform);
    const valuation = createValuationModule(platform, { access: identity.access, listings: listings.service });
    const tokenization = createTokenizationModule(platform, { access: identity.access, listings: listings.service });
    const realtime = createRealtimeModule(platform, {
      identity: { authenticateUpgrade: identity.authenticateUpgrade, sessionStillActive: identity.sessionStillActive, getUser: (userId) => identity.service.getUser(userId) },
      deals: deals.service,
      savedSearches: listings.savedSearches,
    });
    const modules = { identity, listings, deals, security, market, tokenization, realtime, valuation };

    // The GDPR export gathers each module's data about the person through its public API.
    security.privacy.addSource('deals', (auth) => deals.service.listDeals(auth, { limit: 100 }));
    const tileHost = safeOrigin(config.MAP_TILE_URL);
    let rateLimitRedis: Redis | undefined;
    if (config.REDIS_URL) {
      rateLimitRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
      rateLimitRedis.on('error', (error) => logger.warn({ err: error }, 'redis rate-limit connection error'));
      const client = rateLimitRedis;
      opened.unshift(async () => {
        await client.quit().catch(() => undefined);
      });
    }
    const { app } = await createHttpServer({
      config,
      logger,
      imageSources: tileHost ? [tileHost] : [],
      rateLimitRedis,
      rateLimitNamespace: overrides.rateLimitNamespace,
    });
    // The policy gateway (platform/policy.ts): service tokens, then sessions and API keys, then every
    // route's declared policy. Installed before any route so that each one is checked and published.
    const gateway = new PolicyGateway({
      clock,
      secrets,
      audit: platform.audit,
      logger,
      standing: (auth, organizationId) => identity.access.standing(auth, organizationId),
      roleRank,
      apiKeyMaxRole: 'agent',
      risk: security.riskAssessor,
      stepUpMethods: security.stepUpMethods,
      sessionCookieName: identitySessionCookie,
    });
    gateway.install(app, async (request, reply) => {
      request.auth = await gateway.authenticate(request, reply, identity.authenticate);
      // Per-API-key rate limit by the organization's plan (security module).
      if (request.auth?.apiKey) await security.risk.limitApiKey(request, reply);
    });

    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      try {
        await database.ping();
      } catch (error) {
        logger.warn({ err: error }, 'readiness check failed');
        return reply.code(503).type('application/problem+json').send({
          type: 'https://domus.dev/problems/service-unavailable',
          title: 'Service unavailable',
          status: 503,
          code: 'SERVICE_UNAVAILABLE',
          detail: 'The database is not reachable.',
        });
      }
      // A node cut off from the bus would miss other nodes' invalidations (sessions, roles, caches).
      const crossNode = bus as EventBus;
      if (crossNode.connected && !crossNode.connected()) {
        return reply.code(503).type('application/problem+json').send({
          type: 'https://domus.dev/problems/service-unavailable',
          title: 'Service unavailable',
          status: 503,
          code: 'SERVICE_UNAVAILABLE',
          detail: 'The event bus between the nodes (Redis or NATS) is not connected.',
        });
      }
      return { status: 'ready', database: database.kind };
    });

    await app.register(
      async (api) => {
        api.get('/config/public', { config: { policy: policy.public('settings the web app needs before log-in') }, schema: { tags: ['platform'], summary: 'Settings the web app needs' } }, async () => ({
          mapTileUrl: config.MAP_TILE_URL,
          mapTileAttribution: config.MAP_TILE_ATTRIBUTION,
          demoData: config.SEED_DEMO_DATA,
        }));
        for (const module of Object.values(modules)) {
          if (module.routes) await api.register(module.routes);
        }
      },
      { prefix: '/api/v1' },
    );

    realtime.attach(app);
    await mountWebApp(app);
    await app.ready();

    return {
      app,
      gateway,
      platform,
      modules,
      close: async () => {
        await app.close();
        for (const module of Object.values(modules)) await module.stop?.();
        for (const close of opened) await close();
      },
    };
  } catch (error) {
    for (const close of opened) await close().catch(() => undefined);
    throw error;
  }
}

/** Serves the built single-page app at / and falls back to index.html for its client-side routes. */
async function mountWebApp(app: FastifyInstance): Promise<void> {
  const indexFile = path.join(webDistDirectory, 'index.html');
  if (!existsSync(indexFile)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send('<!doctype html><title>Domus</title><p>The web app is not built. Run <code>npm run build:web</code>; the API is at <a href="/docs">/docs</a>.</p>'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: webDistDirectory, prefix: '/', wildcard: false, index: false });
  const indexHtml = await readFile(indexFile, 'utf8');
  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html').header('cache-control', 'no-cache').send(indexHtml);
  app.get('/', { schema: { hide: true } }, sendIndex);
  for (const route of ['/listings/*', '/login', '/signup', '/workspace', '/workspace/*', '/saved-searches', '/account', '/account/*', '/deals', '/deals/*', '/market', '/invest', '/invest/*', '/portfolio', '/security']) {
    app.get(route, { schema: { hide: true } }, sendIndex);
  }
}

function safeOrigin(template: string): string | null {
  try {
    const url = new URL(template.replace(/\{[a-z]\}/g, '0'));
    return `${url.protocol}//${url.host.replace(/^0\./, '*.')}`;
  } catch {
    return null;
  }
}
