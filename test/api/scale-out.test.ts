import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomus, type Domus } from '../../src/app';
import { testConfig } from '../../src/platform/config';
import { RedisEventBus } from '../../src/platform/events';
import { newId } from '../../src/platform/ids';
import { Secrets } from '../../src/platform/secrets';
import { openTestDatabase } from '../support/harness';

/**
 * Two Domus nodes over one database (and, when REDIS_URL is set, one Redis): whatever one node
 * does, the other sees — nodes keep no state of their own.
 */
const redisUrl = process.env.REDIS_URL;
let nodes: Domus[] = [];
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const { handle, drop } = await openTestDatabase();
  const dataDirs = [await mkdtemp(path.join(tmpdir(), 'domus-a-')), await mkdtemp(path.join(tmpdir(), 'domus-b-'))];
  const secret = new Secrets(Buffer.alloc(32, 3));
  const prefix = `domus-test:${newId()}:`;
  nodes = await Promise.all(
    dataDirs.map((dataDir, index) =>
      createDomus(
        { ...testConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '4' }), REDIS_URL: redisUrl },
        {
          database: handle,
          secrets: secret,
          rateLimitNamespace: `${prefix}rl:`,
          ...(redisUrl ? { bus: new RedisEventBus(redisUrl, `node-${index}`, `${prefix}events:`) } : {}),
        },
      ),
    ),
  );
  cleanup = async () => {
    for (const node of nodes) {
      await node.close();
      await node.platform.bus.close();
    }
    await drop();
    for (const directory of dataDirs) await rm(directory, { recursive: true, force: true });
  };
});
afterAll(async () => {
  await cleanup?.();
});

describe('two stateless nodes', () => {
  it('accept a session opened on the other node', async () => {
    const [a, b] = nodes as [Domus, Domus];
    const signup = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'shared@example.test', password: 'shared session pw', displayName: 'S' },
      remoteAddress: '10.0.0.1',
    });
    const cookie = signup.cookies.find((item) => item.name === 'domus_session')!;
    // The session is bound to the device cookie set beside it; both nodes verify its signature.
    const device = signup.cookies.find((item) => item.name === 'domus_device')!;
    const header = `domus_session=${cookie.value}; domus_device=${device.value}`;
    const me = await b.app.inject({ url: '/api/v1/auth/me', headers: { cookie: header } });
    expect(me.statusCode).toBe(200);
    const logout = await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: header } });
    expect(logout.statusCode).toBe(204);
    const after = await a.app.inject({ url: '/api/v1/auth/me', headers: { cookie: `domus_session=${cookie.value}` } });
    expect(after.statusCode).toBe(401);
  });

  it.skipIf(!redisUrl)('share the authentication rate limit through Redis', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const node = nodes[index % 2] as Domus;
      const response = await node.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'nobody@example.test', password: 'wrong password' },
        remoteAddress: '10.0.0.2',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it.skipIf(!redisUrl)('deliver events published on one node to the other', async () => {
    const [a, b] = nodes as [Domus, Domus];
    const received: string[] = [];
    b.platform.bus.subscribe('platform.ping', (payload, meta) => {
      received.push(`${payload.sentAt}@${meta.origin}`);
    });
    await (b.platform.bus as RedisEventBus).subscriptionsReady();
    await a.platform.bus.publish('platform.ping', { sentAt: 'now' });
    const deadline = Date.now() + 3000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toEqual(['now@node-0']);
  });

  it.skipIf(!redisUrl)('clear the other nodes\' cached search answers when a listing changes', async () => {
    const [a, b] = nodes as [Domus, Domus];
    const signup = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'cache@example.test', password: 'cache invalidation pw', displayName: 'C' },
      remoteAddress: '10.0.0.3',
    });
    const cookie = ['domus_session', 'domus_device'].map((name) => `${name}=${signup.cookies.find((item) => item.name === name)!.value}`).join('; ');
    const organization = await a.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { cookie }, payload: { name: 'Cache Homes' } });
    const property = await a.app.inject({
      method: 'POST',
      url: '/api/v1/properties',
      headers: { cookie },
      payload: {
        organizationId: organization.json().id, address: 'Damrak 1', city: 'Amsterdam', country: 'NL', postalCode: '1012 LG',
        latitude: 52.376, longitude: 4.896, propertyType: 'apartment', livingAreaM2: 70, bedrooms: 2, features: [],
      },
    });
    expect(property.statusCode, property.body).toBe(201);
    const search = '/api/v1/listings?q=zeppelinhangar';
    expect((await b.app.inject(search)).json().items).toHaveLength(0);
    const listing = await a.app.inject({
      method: 'POST',
      url: '/api/v1/listings',
      headers: { cookie },
      payload: { propertyId: property.json().id, kind: 'sale', title: 'Zeppelinhangar loft', description: 'Unique.', askingPrice: { amountMinor: 50_000_000, currency: 'EUR' } },
    });
    expect(listing.statusCode, listing.body).toBe(201);
    const published = await a.app.inject({ method: 'POST', url: `/api/v1/listings/${listing.json().id}/status`, headers: { cookie }, payload: { status: 'active' } });
    expect(published.statusCode, published.body).toBe(200);
    // Well inside the cache's two-second lifetime: only the bus notice can make node B see it.
    const deadline = Date.now() + 1500;
    let items: unknown[] = [];
    while (Date.now() < deadline) {
      items = (await b.app.inject(search)).json().items;
      if (items.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(items).toHaveLength(1);
  });
});
