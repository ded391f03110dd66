import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ResumableClient, type ServerFrame } from '../../src/modules/realtime/realtime.client';
import { apiCall, Cluster, dealOver, type ClusterNode } from '../support/cluster';

/**
 * Three real server processes over PostgreSQL and Redis (issue 4, part 5): rooms, presence, chat,
 * Yjs updates and deal events shared by every node; a killed node's clients expire from presence
 * within seconds; clients resume on another node with nothing lost and nothing twice.
 */
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const enabled = Boolean(adminUrl && redisUrl);
const presenceTtlMs = 1500;

let cluster: Cluster;
let a: ClusterNode;
let b: ClusterNode;
let c: ClusterNode;
let scene: Awaited<ReturnType<typeof dealOver>>;
const clients: ResumableClient[] = [];
const providers: WebsocketProvider[] = [];
const room = () => `deal:${scene.dealId}`;

beforeAll(async () => {
  if (!enabled) return;
  cluster = await Cluster.create(adminUrl!, redisUrl!, { REALTIME_PRESENCE_TTL_MS: String(presenceTtlMs), REALTIME_FRAMES_PER_SECOND: '1000' });
  a = await cluster.start('a'); // migrates the fresh database first
  [b, c] = await Promise.all([cluster.start('b'), cluster.start('c')]);
  scene = await dealOver(a.baseUrl);
}, 240_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const provider of providers) provider.destroy();
  await cluster?.close();
}, 60_000);

async function connect(user: { cookie: string }, nodes: ClusterNode[]): Promise<ResumableClient> {
  const client = new ResumableClient({ urls: nodes.map((node) => `${node.wsUrl}/realtime`), headers: { cookie: user.cookie }, reconnectDelayMs: 50 });
  clients.push(client);
  const hello = client.next((frame) => frame.type === 'hello');
  await client.connect();
  await hello;
  return client;
}

const presenceOf = (userId: string, event: string) => (frame: ServerFrame) =>
  frame.type === 'presence' && frame.event === event && (frame.member as { userId: string }).userId === userId;

describe.skipIf(!enabled)('realtime across three server processes over Redis', () => {
  it('delivers chat, presence and deal events across nodes', async () => {
    const buyer = await connect(scene.buyer, [a]);
    const seller = await connect(scene.seller, [b]);
    await seller.join(room());
    const sellerSeesBuyer = seller.next(presenceOf(scene.buyer.id, 'join'));
    const joined = await buyer.join(room(), 0, { view: 'chat' });
    expect(joined.type).toBe('joined');
    await sellerSeesBuyer;
    const got = seller.next((frame) => frame.type === 'message' && frame.kind === 'chat' && (frame.body as { text: string }).text === 'hello from node a');
    const ack = await buyer.say(room(), 'x-1', 'hello from node a');
    expect((await got).seq).toBe(ack.seq);
    const pushed = seller.next((frame) => frame.kind === 'deal.event' && (frame.body as { type: string }).type === 'offer.submitted');
    const deal = await apiCall<{ version: number }>(c.baseUrl, scene.buyer.cookie, 'GET', `/deals/${scene.dealId}`);
    await apiCall(c.baseUrl, scene.buyer.cookie, 'POST', `/deals/${scene.dealId}/offers`, {
      expectedVersion: deal.version,
      amount: { amountMinor: 48_000_000, currency: 'EUR' },
      conditions: { financing: true, inspection: true, closingDate: '2026-09-30', notes: '' },
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await pushed;
    buyer.close();
    await seller.next(presenceOf(scene.buyer.id, 'leave'));
  }, 60_000);

  it('lets exactly one of two simultaneous accepts on different nodes win', async () => {
    const deal = await apiCall<{ version: number; offers: { id: string; status: string }[] }>(a.baseUrl, scene.seller.cookie, 'GET', `/deals/${scene.dealId}`);
    const live = deal.offers.find((offer) => offer.status === 'submitted')!;
    // Accepting needs a recent second factor (policy step-up): what POST /security/step-up records.
    const token = /domus_session=([^;]+)/.exec(scene.seller.cookie)![1]!;
    await cluster.stepUpSession(createHash('sha256').update(token).digest('hex'));
    const accept = (node: ClusterNode) =>
      fetch(`${node.baseUrl}/api/v1/deals/${scene.dealId}/offers/${live.id}/accept`, {
        method: 'POST', headers: { cookie: scene.seller.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ expectedVersion: deal.version }),
      }).then((response) => response.status);
    expect((await Promise.all([accept(a), accept(b)])).sort()).toEqual([200, 409]);
  }, 30_000);

  it('converges concurrent edits of stock y-websocket clients on different nodes', async () => {
    const open = async (node: ClusterNode, user: { cookie: string }) => {
      const { token } = await apiCall<{ token: string }>(node.baseUrl, user.cookie, 'POST', '/realtime/tokens');
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(`${node.wsUrl}/realtime/yjs`, scene.dealId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, params: { token }, disableBc: true,
      });
      providers.push(provider);
      await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
      return doc;
    };
    const [onA, onB, onC] = await Promise.all([open(a, scene.buyer), open(b, scene.seller), open(c, scene.seller)]);
    onA.getText('notes').insert(0, 'A says hi. ');
    onB.getText('notes').insert(0, 'B agrees. ');
    onC.getMap('terms').set('amount', 480_000);
    const deadline = Date.now() + 15_000;
    const settled = () => [onA, onB, onC].every((doc) => doc.getText('notes').length === 21 && doc.getMap('terms').get('amount') === 480_000);
    while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(onB.getText('notes').toString()).toBe(onA.getText('notes').toString());
    expect(onC.getText('notes').toString()).toBe(onA.getText('notes').toString());
    expect(onA.getMap('terms').get('amount')).toBe(480_000);
  }, 60_000);

  it("expires a killed node's clients from presence within seconds", async () => {
    const doomed = await cluster.start('d');
    const watcher = await connect(scene.seller, [a]);
    await watcher.join(room());
    const victim = await connect(scene.buyer, [doomed]);
    const arrived = watcher.next(presenceOf(scene.buyer.id, 'join'));
    await victim.join(room());
    await arrived;
    victim.close = () => undefined; // it cannot say goodbye: its node dies
    const expired = watcher.next(presenceOf(scene.buyer.id, 'leave'), 15_000);
    await doomed.kill();
    expect(await expired).toMatchObject({ reason: 'expired' });
  }, 120_000);

  it('resumes on another node with nothing lost and nothing twice while nodes are killed mid-stream', async () => {
    const receiver = await connect(scene.seller, [c, a]);
    const sender = await connect(scene.buyer, [b, a]);
    const start = (await receiver.join(room())).cursor as number;
    await sender.join(room());
    const total = 150;
    const acks: ServerFrame[] = [];
    for (let index = 0; index < total; index += 1) {
      if (index === 50) await c.kill(); // the receiver's node
      if (index === 100) await b.kill(); // the sender's node, possibly between a commit and its ack
      acks.push(await sender.say(room(), `stream-${index}`, `m${index}`));
    }
    const received = (await receiver.messagesIn(room(), total, 30_000)).filter((frame) => (frame.seq as number) > start);
    const texts = received.filter((frame) => frame.kind === 'chat').map((frame) => (frame.body as { text: string }).text);
    expect(texts).toEqual(Array.from({ length: total }, (_, index) => `m${index}`));
    const sequences = received.map((frame) => frame.seq as number);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => start + 1 + index));
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(total);
    expect(receiver.frames.filter((frame) => frame.type === 'message' && (frame.seq as number) > start).length).toBeGreaterThanOrEqual(total);
    expect(receiver.connects).toBeGreaterThanOrEqual(2);
  }, 180_000);
});
