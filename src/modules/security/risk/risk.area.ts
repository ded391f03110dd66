import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { AuthContext } from '../../../platform/http';
import type { PlatformServices } from '../../../platform/services';
import type { AuthenticationExchange, IdentityModule, LogInGuard, User } from '../../identity';
import { ApiKeyLimiter } from '../abuse/api-key-limits';
import { AbuseService } from '../abuse/abuse.service';
import { DatabaseAbuseStore, RedisAbuseStore, type AbuseStore } from '../abuse/abuse.store';
import { DeviceCookie } from '../devices/device-cookie';
import { devicesRoutes } from '../devices/devices.routes';
import { DevicesRepository } from '../devices/devices.repository';
import { DevicesService, type SessionDirectory } from '../devices/devices.service';
import type { RecordAudit } from '../security.audit';
import { sharedGeolocator, type Geolocator } from './geolocation';
import { SecurityLogInGuard } from './login-guard';
import { RiskRepository } from './risk.repository';
import { riskRoutes } from './risk.routes';
import { RiskService } from './risk.service';

/** The devices, risk and abuse area of the security module, as the rest of Domus sees it. */
export interface RiskArea {
  /** Identity's log-in guard (lock-out, delay, device, risk decision, password policy). */
  logInGuard: LogInGuard;
  /** The policy gateway's RiskAssessor for sensitive requests. */
  assessor: { assess(request: FastifyRequest, auth: AuthContext): Promise<{ score: number; reasons: string[]; decision: 'allow' | 'step_up' | 'deny' }> };
  /** Per-API-key rate limit by the organization's plan; call after authentication. */
  limitApiKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  abuse: AbuseService;
  devices: DevicesService;
  risk: RiskService;
  store: AbuseStore;
  routes: FastifyPluginAsync;
  /**
   * A passwordless (passkey) log-in succeeded: recognise the browser's device (setting its
   * cookie), keep the log-in in the history like a password log-in, and name the device the
   * session binds to.
   */
  passwordlessLogIn(user: User, exchange: AuthenticationExchange): Promise<string>;
  /** Late wiring: the admin routes and the policy need identity, which is built after the guard. */
  attach(identity: IdentityModule): void;
  stop(): Promise<void>;
}

export function createRiskArea(platform: PlatformServices, options: { geolocator?: Geolocator } = {}): RiskArea {
  const audit: RecordAudit = (event) => platform.audit.recordQuietly(event);
  const riskRepository = new RiskRepository(platform.db);
  let redis: Redis | undefined;
  let store: AbuseStore;
  if (platform.config.REDIS_URL) {
    redis = new Redis(platform.config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
    redis.on('error', (error) => platform.logger.warn({ err: error }, 'redis abuse-store connection error'));
    store = new RedisAbuseStore(redis, async () => `domus:abuse:${await riskRepository.installationId()}:`);
  } else {
    store = new DatabaseAbuseStore(platform.db);
  }
  const geolocator = options.geolocator ?? sharedGeolocator();
  const abuse = new AbuseService(store, platform.clock);
  const cookie = new DeviceCookie(platform.secrets, platform.config.PUBLIC_URL.startsWith('https:'));
  const devices = new DevicesService(new DevicesRepository(platform.db), cookie, platform.clock, audit);
  const risk = new RiskService(riskRepository, abuse, geolocator, platform.clock, { bus: platform.bus, logger: platform.logger, cacheTtlSeconds: platform.config.AUTH_CACHE_TTL_SECONDS });
  const logInGuard = new SecurityLogInGuard(abuse, devices, risk, geolocator, audit);
  const limiter = new ApiKeyLimiter(store, risk, platform.clock);
  let identity: IdentityModule | undefined;

  const sessions: SessionDirectory = {
    listSessions: (userId) => attached().service.listSessions(userId),
    revokeDeviceSessions: (userId, deviceId) => attached().service.revokeDeviceSessions(userId, deviceId),
    revokeUserSession: (userId, sessionId) => attached().service.revokeUserSession(userId, sessionId),
  };
  function attached(): IdentityModule {
    if (!identity) throw new Error('the security risk area is used before identity was attached');
    return identity;
  }

  return {
    logInGuard,
    assessor: { assess: (request, auth) => risk.assess(request, auth) },
    limitApiKey: (request, reply) => limiter.limit(request, reply),
    passwordlessLogIn: (user, exchange) => logInGuard.passwordlessLogIn(user, exchange),
    abuse,
    devices,
    risk,
    store,
    attach(module) {
      identity = module;
      risk.useMemberships(async (userId) => (await module.service.memberships(userId)).map((membership) => membership.organizationId));
    },
    routes: async (app) => {
      await app.register(devicesRoutes(devices, sessions, audit));
      await app.register(riskRoutes({ risk, abuse, identity: attached(), cursors: platform.cursors, audit }));
    },
    stop: async () => {
      risk.stop();
      await redis?.quit().catch(() => undefined);
    },
  };
}
