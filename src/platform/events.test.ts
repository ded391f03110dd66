import { afterEach, describe, expect, it } from 'vitest';
import { InProcessEventBus, NatsEventBus, RedisEventBus, type EventBus } from './events';
import { newId } from './ids';

declare module './events' {
  interface DomusEvents {
    'test.happened': { value: number };
  }
}

const waitFor = async (predicate: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the event');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

type Factory = () => Promise<[EventBus, EventBus]>;
const implementations: [string, Factory | null][] = [
  [
    'in-process',
    async () => {
      const bus = new InProcessEventBus('node-a');
      return [bus, bus];
    },
  ],
  [
    'redis (two nodes)',
    process.env.REDIS_URL
      ? async () => {
          const prefix = `domus-test:${newId()}:`;
          const a = new RedisEventBus(process.env.REDIS_URL as string, 'node-a', prefix);
          const b = new RedisEventBus(process.env.REDIS_URL as string, 'node-b', prefix);
          await Promise.all([a.ready(), b.ready()]);
          return [a, b];
        }
      : null,
  ],
  [
    'nats (two nodes)',
    process.env.NATS_URL
      ? async () => {
          const prefix = `domus-test.${newId()}.`;
          const a = new NatsEventBus(process.env.NATS_URL as string, 'node-a', prefix);
          const b = new NatsEventBus(process.env.NATS_URL as string, 'node-b', prefix);
          await Promise.all([a.ready(), b.ready()]);
          expect(a.connected() && b.connected()).toBe(true);
          return [a, b];
        }
      : null,
  ],
];

describe.each(implementations)('EventBus contract: %s', (_name, factory) => {
  it.skipIf(factory === null)('delivers a published event to subscribers with its origin', async () => {
    const [publisher, subscriber] = await (factory as Factory)();
    buses.push(publisher, subscriber);
    const received: { value: number; origin: string }[] = [];
    subscriber.subscribe('test.happened', (payload, meta) => {
      received.push({ value: payload.value, origin: meta.origin });
    });
    if (subscriber instanceof RedisEventBus || subscriber instanceof NatsEventBus) await subscriber.subscriptionsReady();
    await publisher.publish('test.happened', { value: 42 });
    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual({ value: 42, origin: 'node-a' });
  });

  it.skipIf(factory === null)('isolates a failing handler and stops delivering after unsubscribe', async () => {
    const [publisher, subscriber] = await (factory as Factory)();
    buses.push(publisher, subscriber);
    const seen: number[] = [];
    subscriber.subscribe('test.happened', () => {
      throw new Error('handler bug');
    });
    const unsubscribe = subscriber.subscribe('test.happened', (payload) => {
      seen.push(payload.value);
    });
    if (subscriber instanceof RedisEventBus || subscriber instanceof NatsEventBus) await subscriber.subscriptionsReady();
    await publisher.publish('test.happened', { value: 1 });
    await waitFor(() => seen.length === 1);
    unsubscribe();
    await publisher.publish('test.happened', { value: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([1]);
  });
});

describe('RedisEventBus after a lost connection', () => {
  it.skipIf(!process.env.REDIS_URL)('announces the reconnect locally (caches drop what notices they may have missed) and delivers again', async () => {
    const prefix = `domus-test:${newId()}:`;
    const a = new RedisEventBus(process.env.REDIS_URL as string, 'node-a', prefix);
    const b = new RedisEventBus(process.env.REDIS_URL as string, 'node-b', prefix);
    buses.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const resumed: string[] = [];
    const values: number[] = [];
    b.subscribe('platform.bus.resumed', (_payload, meta) => {
      resumed.push(meta.origin);
    });
    b.subscribe('test.happened', (payload) => {
      values.push(payload.value);
    });
    await b.subscriptionsReady();
    // What a network blip does to the subscriber connection: ioredis reconnects and re-subscribes.
    (b as unknown as { subscriber: { disconnect(reconnect: boolean): void } }).subscriber.disconnect(true);
    await waitFor(() => resumed.length === 1);
    expect(resumed).toEqual(['node-b']);
    await b.subscriptionsReady();
    await a.publish('test.happened', { value: 7 });
    await waitFor(() => values.includes(7));
  });
});

describe('NATS bus before its first connection', () => {
  it('fails a publication after its timeout instead of hanging the publisher', async () => {
    const bus = new NatsEventBus('nats://127.0.0.1:1', 'node-a', `domus-test.${newId()}.`, undefined, 200);
    buses.push(bus);
    await expect(bus.publish('test.happened', { value: 1 })).rejects.toThrow(/not connected/);
    expect(bus.connected()).toBe(false);
  });
});
