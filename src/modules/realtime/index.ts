import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import { dealEventNames, type DealsService } from '../deals';
import type { SavedSearchMatcher } from '../listings';
import { type Connection, type ConnectionContext, type RoomAccess } from './realtime.connection';
import './realtime.events';
import { RealtimeGateway } from './realtime.gateway';
import { PresenceTracker } from './realtime.presence';
import { defaultLimits, type RealtimeLimits } from './realtime.protocol';
import { RealtimeRepository } from './realtime.repository';
import { RoomHub } from './realtime.rooms';
import { realtimeRoutes } from './realtime.routes';
import { RealtimeTokens } from './realtime.tokens';
import { DocumentHub } from './realtime.yjs';

export { realtimeErrorCodes, defaultLimits, type RealtimeLimits } from './realtime.protocol';

export interface RealtimeModule extends ModuleRegistration {
  /** Starts serving /realtime and /realtime/yjs/<deal id> on the app's HTTP server. */
  attach(app: FastifyInstance): void;
  gateway: RealtimeGateway;
  rooms: RoomHub;
  documents: DocumentHub;
}

export interface RealtimeDependencies {
  identity: {
    /** The session cookie's caller, device binding checked (identity's `authenticateUpgrade`). */
    authenticateUpgrade(request: IncomingMessage): Promise<AuthContext | null>;
    /** Whether a session is still active, from the database (identity's `sessionStillActive`). */
    sessionStillActive(sessionId: string): Promise<boolean>;
    getUser(userId: string): Promise<{ displayName: string }>;
  };
  deals: Pick<DealsService, 'participantOf'>;
  savedSearches: Pick<SavedSearchMatcher, 'matching'>;
  /** Overrides of the limits and timings (tests, benchmarks). */
  options?: Partial<RealtimeOptions>;
}

export interface RealtimeOptions extends RealtimeLimits {
  presenceTtlMs: number;
  documentIdleMs: number;
  compactAfterUpdates: number;
  tokenTtlMs: number;
  /** Concurrent write lanes for room messages (rooms are partitioned over them). */
  writeLanes: number;
}

const personAuth = (userId: string): AuthContext => ({ userId, sessionId: null, apiKey: null });

export function createRealtimeModule(platform: PlatformServices, deps: RealtimeDependencies): RealtimeModule {
  const config = platform.config;
  const options: RealtimeOptions = {
    ...defaultLimits,
    framesPerSecond: config.REALTIME_FRAMES_PER_SECOND,
    burst: config.REALTIME_FRAMES_PER_SECOND * 2,
    historyPerRoom: config.REALTIME_HISTORY_PER_ROOM,
    presenceTtlMs: config.REALTIME_PRESENCE_TTL_MS,
    documentIdleMs: config.REALTIME_DOCUMENT_IDLE_MS,
    compactAfterUpdates: 50,
    tokenTtlMs: 60_000,
    // PGlite is a single connection: one lane. On PostgreSQL, a couple of batches in flight overlap
    // their commits without taking much of the pool; more help when the database is on its own host.
    writeLanes: platform.database.kind === 'pglite' ? 1 : Math.max(1, Math.min(config.REALTIME_WRITE_LANES, config.DATABASE_POOL_SIZE - 1)),
    ...deps.options,
  };
  // This gateway's id on the bus: it ignores its own echoes by it.
  const origin = `${platform.nodeId}:${newId().slice(-8)}`;
  const repository = new RealtimeRepository(platform.db, options.historyPerRoom);
  const registry = new Map<string, Set<Connection>>();
  const common = { repository, bus: platform.bus, origin, logger: platform.logger, clock: platform.clock };
  let presence: PresenceTracker | undefined;
  const rooms = new RoomHub({ ...common, lanes: options.writeLanes }, (room) => presence?.roomOpened(room), (room) => presence?.roomClosed(room));
  const documents = new DocumentHub(common, { idleMs: options.documentIdleMs, compactAfterUpdates: options.compactAfterUpdates });
  presence = new PresenceTracker({
    bus: platform.bus,
    origin,
    logger: platform.logger,
    ttlMs: options.presenceTtlMs,
    isOpen: (room) => rooms.hasRoom(room),
    notify: (room, event, member, reason) => {
      for (const connection of registry.get(room) ?? []) if (connection.id !== member.connectionId) connection.presenceChanged(room, event, member, reason);
    },
    onNodeExpired: (node) => documents.nodeExpired(node),
  });

  const authorize = async (userId: string, room: string): Promise<RoomAccess> => {
    const [kind, id] = room.split(':') as [string, string];
    if (kind === 'user') return id === userId ? 'read' : { refused: 'ROOM_FORBIDDEN' };
    const participant = await deps.deals.participantOf(personAuth(userId), id);
    return participant ? 'write' : { refused: 'ROOM_NOT_FOUND' };
  };
  const context: ConnectionContext = { rooms, presence, limits: options, logger: platform.logger, authorize, registry, now: () => platform.clock.now() };
  const tokens = new RealtimeTokens(platform.secrets, options.tokenTtlMs);
  const gateway = new RealtimeGateway({
    context,
    documents,
    tokens,
    clock: platform.clock,
    logger: platform.logger,
    allowedOrigins: config.CORS_ORIGINS,
    sessionUser: async (request) => {
      const auth = await deps.identity.authenticateUpgrade(request);
      return auth?.userId ? { userId: auth.userId, sessionId: auth.sessionId } : null;
    },
    sessionStillActive: (sessionId) => deps.identity.sessionStillActive(sessionId),
    displayName: async (userId) => (await deps.identity.getUser(userId)).displayName,
    mayOpenDocument: async (userId, dealId) => (await deps.deals.participantOf(personAuth(userId), dealId)) !== null,
  });

  // Server messages: each node that hears an event tries to append it under the same dedupe key;
  // the database keeps one copy, so it is pushed once whichever nodes are alive.
  const unsubscribers = dealEventNames.map((name) =>
    platform.bus.subscribe(name, async ({ dealId, event }) => {
      await rooms.append({
        room: `deal:${dealId}`, kind: 'deal.event', senderUserId: event.actorUserId, dedupeKey: `deal-event:${event.sequence}`, body: event, createdAt: platform.clock.now(),
      });
    }),
  );
  // A log-out or revocation anywhere closes the sockets of the sessions it ended.
  unsubscribers.push(
    platform.bus.subscribe('identity.access.changed', async (change) => {
      await gateway.accessChanged(change);
    }),
  );
  // Room messages committed on other nodes (this node's own are dispatched when they commit).
  unsubscribers.push(
    platform.bus.subscribe('realtime.messages', (event) => {
      if (event.origin !== origin) rooms.receive(event.messages);
    }),
  );
  unsubscribers.push(
    platform.bus.subscribe('listing.published', async ({ listingId, at }) => {
      for (const match of await deps.savedSearches.matching(listingId)) {
        await rooms.append({
          room: `user:${match.userId}`,
          kind: 'alert',
          senderUserId: null,
          dedupeKey: `listing.published:${listingId}:${at}:${match.savedSearchId}`,
          body: { type: 'saved-search.match', savedSearchId: match.savedSearchId, savedSearchName: match.name, listingId, publishedAt: at },
          createdAt: platform.clock.now(),
        });
      }
    }),
  );

  return {
    name: 'realtime',
    routes: realtimeRoutes(tokens, platform.clock),
    attach: (app) => gateway.attach(app),
    gateway,
    rooms,
    documents,
    stop: async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      presence?.close();
      await rooms.drain();
    },
  };
}
