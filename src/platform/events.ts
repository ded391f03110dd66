import { EventEmitter } from 'node:events';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * A typed event bus. Modules declare their events by augmenting `DomusEvents`:
 *
 *   declare module '../../platform/events' {
 *     interface DomusEvents { 'listing.published': { listingId: string } }
 *   }
 *
 * The in-process bus serves one node; the Redis and NATS buses fan events out to every node. Delivery is
 * at-most-once fire-and-forget (like any pub/sub): consumers that must not miss an event read the
 * database (the source of truth) rather than rely on the bus.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DomusEvents {
  'platform.ping': { sentAt: string };
  /**
   * Local only: the Redis bus reconnected, so notices published meanwhile may have been missed.
   * Caches that rely on notices (sessions, memberships, risk profiles) drop everything.
   */
  'platform.bus.resumed': { at: string };
}

export type EventName = keyof DomusEvents;
export type EventHandler<K extends EventName> = (payload: DomusEvents[K], meta: EventMeta) => void | Promise<void>;

export interface EventMeta {
  /** The node that published the event. */
  origin: string;
  publishedAt: string;
}

export interface EventBus {
  publish<K extends EventName>(name: K, payload: DomusEvents[K]): Promise<void>;
  /** Returns a function that removes the handler. */
  subscribe<K extends EventName>(name: K, handler: EventHandler<K>): () => void;
  close(): Promise<void>;
  /**
   * Whether the node hears the other nodes now (a cross-node bus connected); absent means always
   * (the in-process bus). A node that does not would miss cache invalidations: /ready says so.
   */
  connected?(): boolean;
}

abstract class LocalDispatcher {
  protected readonly emitter = new EventEmitter({ captureRejections: false });
  constructor(protected readonly logger?: Logger) {
    this.emitter.setMaxListeners(0);
  }

  subscribe<K extends EventName>(name: K, handler: EventHandler<K>): () => void {
    const listener = (payload: DomusEvents[K], meta: EventMeta) => {
      // A failing handler must never break the publisher or other handlers.
      Promise.resolve()
        .then(() => handler(payload, meta))
        .catch((error: unknown) => this.logger?.error({ err: error, event: name }, 'event handler failed'));
    };
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  protected dispatch(name: string, payload: unknown, meta: EventMeta): void {
    this.emitter.emit(name, payload, meta);
  }
}

export class InProcessEventBus extends LocalDispatcher implements EventBus {
  constructor(private readonly nodeId: string, logger?: Logger) {
    super(logger);
  }
  async publish<K extends EventName>(name: K, payload: DomusEvents[K]): Promise<void> {
    this.dispatch(name, payload, { origin: this.nodeId, publishedAt: new Date().toISOString() });
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** Redis pub/sub on one channel per event name, under a key prefix (so test runs never mix). */
export class RedisEventBus extends LocalDispatcher implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly subscribed = new Set<string>();

  constructor(
    url: string,
    private readonly nodeId: string,
    private readonly prefix = 'domus:events:',
    logger?: Logger,
  ) {
    super(logger);
    this.publisher = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error) => this.logger?.warn({ err: error }, 'redis event bus connection error'));
    }
    // ioredis re-subscribes by itself after a reconnect; whatever was published in between is lost.
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      if (connectedBefore) this.dispatch('platform.bus.resumed', { at: new Date().toISOString() }, { origin: this.nodeId, publishedAt: new Date().toISOString() });
      connectedBefore = true;
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      try {
        const envelope = JSON.parse(message) as { payload: unknown; meta: EventMeta };
        this.dispatch(channel.slice(this.prefix.length), envelope.payload, envelope.meta);
      } catch (error) {
        this.logger?.warn({ err: error, channel }, 'dropped a malformed event');
      }
    });
  }

  async ready(): Promise<void> {
    await Promise.all([this.publisher.ping(), this.subscriber.ping()]);
  }

  connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  override subscribe<K extends EventName>(name: K, handler: EventHandler<K>): () => void {
    const channel = this.prefix + name;
    if (!this.subscribed.has(channel)) {
      this.subscribed.add(channel);
      this.subscriber.subscribe(channel).catch((error: unknown) => {
        this.subscribed.delete(channel);
        this.logger?.error({ err: error, channel }, 'redis subscribe failed');
      });
    }
    return super.subscribe(name, handler);
  }

  /** Resolves once all pending SUBSCRIBE commands are acknowledged by Redis. */
  async subscriptionsReady(): Promise<void> {
    await this.subscriber.ping().catch(() => undefined);
  }

  async publish<K extends EventName>(name: K, payload: DomusEvents[K]): Promise<void> {
    const meta: EventMeta = { origin: this.nodeId, publishedAt: new Date().toISOString() };
    await this.publisher.publish(this.prefix + name, JSON.stringify({ payload, meta }));
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}

/**
 * NATS core pub/sub: one subject per event name under a prefix (`domus.events.listing.published`),
 * one wildcard subscription per node, dispatched locally by subject. Selected by NATS_URL; the same
 * at-most-once contract as the Redis bus (NATS core does not store messages; consumers that must
 * not miss an event read the database).
 */
export class NatsEventBus extends LocalDispatcher implements EventBus {
  private connection: NatsConnection | null = null;
  /** Connected now: set on the first connection, cleared on a disconnect, set again on reconnect. */
  private up = false;
  private readonly waiting = new Set<{ resolve: (nc: NatsConnection) => void; reject: (error: Error) => void }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    url: string,
    private readonly nodeId: string,
    private readonly prefix = 'domus.events.',
    logger?: Logger,
    private readonly publishTimeoutMs = 5_000,
  ) {
    super(logger);
    if (!prefix.endsWith('.') || /[\s*>]/.test(prefix)) throw new Error(`a NATS subject prefix ends with "." and has no spaces, "*" or ">": ${prefix}`);
    const parsed = new URL(url);
    const options = {
      servers: `${parsed.hostname}:${parsed.port || '4222'}`,
      ...(parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : {}),
      name: `domus-${nodeId}`,
      // Once connected, a node outlives NATS restarts: the client reconnects for ever.
      maxReconnectAttempts: -1,
    };
    void this.connect(options, 0);
  }

  /**
   * The first connection, retried with capped back-off under our own (unref'd) timer rather than
   * the client's waitOnFirstConnect, so that close() can stop it: a node started while NATS is down
   * keeps trying, and still shuts down at once.
   */
  private async connect(options: Parameters<typeof connectNats>[0], attempt: number): Promise<void> {
    if (this.closed) return;
    let nc: NatsConnection;
    try {
      nc = await connectNats(options);
    } catch (error) {
      if (attempt === 0 || attempt % 10 === 0) this.logger?.error({ err: error, attempt }, 'nats event bus could not connect; retrying');
      this.retryTimer = setTimeout(() => void this.connect(options, attempt + 1), Math.min(5_000, 100 * 2 ** attempt));
      this.retryTimer.unref();
      return;
    }
    if (this.closed) {
      await nc.close().catch(() => undefined);
      return;
    }
    nc.subscribe(`${this.prefix}>`, {
      callback: (error, message) => {
        if (error) return this.logger?.warn({ err: error }, 'nats event bus subscription error');
        try {
          const envelope = message.json<{ payload: unknown; meta: EventMeta }>();
          this.dispatch(message.subject.slice(this.prefix.length), envelope.payload, envelope.meta);
        } catch (failure) {
          this.logger?.warn({ err: failure, subject: message.subject }, 'dropped a malformed event');
        }
      },
    });
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.up = false;
        if (status.type === 'reconnect') this.up = true;
        if (status.type === 'disconnect' || status.type === 'error') this.logger?.warn({ status: status.type }, 'nats event bus connection problem');
        // Core NATS does not replay what was published while this node was away.
        if (status.type === 'reconnect') this.dispatch('platform.bus.resumed', { at: new Date().toISOString() }, { origin: this.nodeId, publishedAt: new Date().toISOString() });
      }
    })().catch(() => undefined);
    this.connection = nc;
    this.up = true;
    for (const waiter of this.waiting) waiter.resolve(nc);
    this.waiting.clear();
  }

  /** The connection, waiting for the first one at most `timeoutMs` (no limit when undefined). */
  private awaitConnection(timeoutMs: number | undefined, purpose: string): Promise<NatsConnection> {
    if (this.connection) return Promise.resolve(this.connection);
    if (this.closed) return Promise.reject(new Error('the NATS event bus is closed'));
    return new Promise<NatsConnection>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: (nc: NatsConnection) => {
          clearTimeout(timer);
          resolve(nc);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiting.add(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiting.delete(waiter);
          reject(new Error(`the NATS event bus is not connected (${purpose})`));
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  connected(): boolean {
    return this.up && !this.closed;
  }

  /** Resolves once connected and the server has processed this node's subscription. */
  async ready(): Promise<void> {
    await (await this.awaitConnection(undefined, 'ready')).flush();
  }

  async subscriptionsReady(): Promise<void> {
    await this.ready();
  }

  async publish<K extends EventName>(name: K, payload: DomusEvents[K]): Promise<void> {
    if (/[\s*>]/.test(name)) throw new Error(`an event name cannot be a NATS subject: ${name}`);
    const meta: EventMeta = { origin: this.nodeId, publishedAt: new Date().toISOString() };
    // Once connected, the client buffers publications through reconnects; before the first
    // connection a publisher must not wait for ever (a request would hang): it fails like Redis's.
    const nc = await this.awaitConnection(this.publishTimeoutMs, `publishing ${name}`);
    nc.publish(this.prefix + name, JSON.stringify({ payload, meta }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const waiter of this.waiting) waiter.reject(new Error('the NATS event bus is closed'));
    this.waiting.clear();
    this.emitter.removeAllListeners();
    await this.connection?.drain().catch(() => undefined);
  }
}
