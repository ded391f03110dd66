import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, call } from '../../../test/support/api-client';
import { createTestDomus, type TestDomus } from '../../../test/support/harness';
import type { ResumableClient } from './realtime.client';
import { connectAs, dealScene, handshake, type DealScene } from './realtime.test-support';

let domus: TestDomus;
let scene: DealScene;
const clients: ResumableClient[] = [];
const room = () => `deal:${scene.dealId}`;

beforeAll(async () => {
  domus = await createTestDomus({ config: { REALTIME_HISTORY_PER_ROOM: '20', REALTIME_FRAMES_PER_SECOND: '50' } });
  scene = await dealScene(domus);
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await domus?.close();
});

async function client(user: { cookie: string }) {
  const connected = await connectAs(scene.wsUrl, user);
  clients.push(connected);
  return connected;
}

describe('the realtime handshake', () => {
  it('refuses callers without a session or token (401), unknown paths (404) and foreign origins (403)', async () => {
    const anonymous = await handshake(`${scene.wsUrl}/realtime`);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect((await handshake(`${scene.wsUrl}/realtime/nowhere`, { cookie: scene.buyer.cookie })).status).toBe(404);
    const foreign = await handshake(`${scene.wsUrl}/realtime`, { cookie: scene.buyer.cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).code).toBe('ORIGIN_NOT_ALLOWED');
    expect((await handshake(`${scene.wsUrl}/realtime`, { cookie: scene.buyer.cookie })).status).toBe(101);
    expect((await handshake(`${scene.wsUrl}/realtime?token=forged.token`)).status).toBe(401);
  });

  it('refuses a device-bound session cookie presented without its device cookie, or with another device\'s, on both endpoints', async () => {
    const cookies = new Map(scene.buyer.cookie.split('; ').map((part) => part.split('=') as [string, string]));
    const session = `domus_session=${cookies.get('domus_session')}`;
    const device = cookies.get('domus_device');
    expect(device, 'sign-up binds the session to a device').toBeDefined();
    const otherDevice = new Map(scene.stranger.cookie.split('; ').map((part) => part.split('=') as [string, string])).get('domus_device');
    for (const path of ['/realtime', `/realtime/yjs/${scene.dealId}`]) {
      const bare = await handshake(`${scene.wsUrl}${path}`, { cookie: session });
      expect(bare.status, path).toBe(401);
      expect(JSON.parse(bare.body).code).toBe('UNAUTHENTICATED');
      expect((await handshake(`${scene.wsUrl}${path}`, { cookie: `${session}; domus_device=${otherDevice}` })).status, path).toBe(401);
      expect((await handshake(`${scene.wsUrl}${path}`, { cookie: `${session}; domus_device=${device!.replace(/.$/, (last) => (last === 'x' ? 'y' : 'x'))}` })).status, path).toBe(401);
      expect((await handshake(`${scene.wsUrl}${path}`, { cookie: scene.buyer.cookie })).status, path).toBe(101);
    }
  });

  it('accepts a short-lived connect token from POST /realtime/tokens, until it expires', async () => {
    const response = await call(domus, asUser(scene.buyer), 'POST', '/realtime/tokens');
    expect(response.statusCode, response.body).toBe(201);
    const { token } = response.json() as { token: string };
    expect((await handshake(`${scene.wsUrl}/realtime?token=${encodeURIComponent(token)}`)).status).toBe(101);
    domus.clock.advance(61_000);
    expect((await handshake(`${scene.wsUrl}/realtime?token=${encodeURIComponent(token)}`)).status).toBe(401);
    expect((await call(domus, { headers: {} }, 'POST', '/realtime/tokens')).statusCode).toBe(401);
  });
});

describe('deal rooms', () => {
  it('admit only the deal\'s participants, and a user room only to its user', async () => {
    const stranger = await client(scene.stranger);
    expect(await stranger.join(room())).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND', room: room() });
    expect(await stranger.join('deal:00000000-0000-4000-8000-000000000000')).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(await stranger.join(`user:${scene.buyer.id}`)).toMatchObject({ code: 'ROOM_FORBIDDEN' });
    expect(await stranger.join('lobby')).toMatchObject({ type: 'error', code: 'INVALID_ROOM' });
    expect(await stranger.join(`user:${scene.stranger.id}`)).toMatchObject({ type: 'joined', access: 'read' });
    const buyer = await client(scene.buyer);
    expect(await buyer.join(room())).toMatchObject({ type: 'joined', access: 'write' });
  });

  it('carry chat with sequence numbers, acknowledge it, and ignore a resent message id', async () => {
    const buyer = await client(scene.buyer);
    const seller = await client(scene.sellerAgent);
    await buyer.join(room());
    await seller.join(room());
    const before = seller.messages.length;
    const ack = await buyer.say(room(), 'msg-1', 'Would you take 600k?');
    expect(ack).toMatchObject({ type: 'ack', id: 'msg-1', duplicate: false });
    const again = await buyer.say(room(), 'msg-1', 'Would you take 600k?');
    expect(again).toMatchObject({ type: 'ack', id: 'msg-1', duplicate: true, seq: ack.seq });
    await buyer.say(room(), 'msg-2', 'Keys in June.');
    const received = (await seller.messagesIn(room(), before + 2)).slice(before);
    expect(received.map((frame) => [frame.kind, (frame.body as { text: string }).text, (frame.body as { name: string }).name])).toEqual([
      ['chat', 'Would you take 600k?', 'Bea Buyer'],
      ['chat', 'Keys in June.', 'Bea Buyer'],
    ]);
    expect(received[1]!.seq).toBe(received[0]!.seq! + 1);
    expect(seller.frames.filter((frame) => frame.type === 'message' && frame.seq === ack.seq)).toHaveLength(1);
  });

  it('show presence: who joined, where they are and whether they type, and who left', async () => {
    const seller = await client(scene.sellerAgent);
    await seller.join(room());
    const buyer = await client(scene.buyer);
    const joined = seller.next((frame) => frame.type === 'presence' && frame.event === 'join' && (frame.member as { userId: string }).userId === scene.buyer.id);
    const answer = await buyer.join(room(), 0, { view: 'offer' });
    expect((answer.presence as { userId: string }[]).map((member) => member.userId)).toContain(scene.sellerAgent.id);
    expect(await joined).toMatchObject({ member: { name: 'Bea Buyer', state: { view: 'offer' } } });
    const typing = seller.next((frame) => frame.type === 'presence' && frame.event === 'update');
    buyer.raw({ type: 'presence', room: room(), state: { typing: true, cursor: 'conditions.notes' } });
    expect(await typing).toMatchObject({ member: { userId: scene.buyer.id, state: { typing: true, cursor: 'conditions.notes' } } });
    const left = seller.next((frame) => frame.type === 'presence' && frame.event === 'leave' && (frame.member as { userId: string }).userId === scene.buyer.id);
    buyer.close();
    await left;
  });

  it('push offer events from the REST workflow as they are committed', async () => {
    const seller = await client(scene.sellerAgent);
    await seller.join(room());
    const deal = (await call(domus, asUser(scene.buyer), 'GET', `/deals/${scene.dealId}`)).json() as { version: number };
    const pushed = seller.next((frame) => frame.type === 'message' && frame.kind === 'deal.event' && (frame.body as { type: string }).type === 'offer.submitted');
    const offer = await call(domus, asUser(scene.buyer), 'POST', `/deals/${scene.dealId}/offers`, {
      expectedVersion: deal.version,
      amount: { amountMinor: 60_000_000, currency: 'EUR' },
      conditions: { financing: true, inspection: false, closingDate: '2026-06-30', notes: '' },
      expiresAt: new Date(domus.clock.now().getTime() + 86_400_000).toISOString(),
    });
    expect(offer.statusCode, offer.body).toBe(201);
    expect(await pushed).toMatchObject({ sender: scene.buyer.id, body: { type: 'offer.submitted', amount: { amountMinor: 60_000_000 } } });
  });

  it('resume a reconnecting client with exactly what it missed, in order; older history is reported trimmed', async () => {
    const buyer = await client(scene.buyer);
    const seller = await client(scene.sellerAgent);
    await buyer.join(room());
    const start = (await seller.join(room())).cursor as number;
    await buyer.say(room(), 'resume-0', 'zero');
    await seller.messagesIn(room(), seller.messages.filter((frame) => frame.room === room()).length + 0);
    seller.close();
    for (let index = 1; index <= 5; index += 1) await buyer.say(room(), `resume-${index}`, `n${index}`);
    const back = await client(scene.sellerAgent);
    await back.join(room(), start + 1);
    const missed = await back.messagesIn(room(), 5);
    expect(missed.map((frame) => (frame.body as { text: string }).text)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(missed.map((frame) => frame.seq)).toEqual([2, 3, 4, 5, 6].map((offset) => start + offset));
    // The room keeps the last 20 messages: resuming from 0 starts at the first kept one.
    for (let index = 6; index <= 25; index += 1) await buyer.say(room(), `resume-${index}`, `n${index}`);
    const late = await client(scene.sellerAgent);
    const truncated = late.next((frame) => frame.type === 'truncated');
    await late.join(room(), 0);
    const { first } = await truncated;
    const kept = await late.messagesIn(room(), 20);
    expect(kept[0]!.seq).toBe(first);
    expect(kept.map((frame) => frame.seq)).toEqual(Array.from({ length: 20 }, (_, index) => (first as number) + index));
  });
});

describe('bad input on the realtime socket', () => {
  it('answers malformed, binary, oversized and out-of-room frames with error frames and keeps the connection', async () => {
    const buyer = await client(scene.buyer);
    const errors: string[] = [];
    const collect = async (frame: object | string | Buffer) => {
      const error = buyer.next((reply) => reply.type === 'error');
      buyer.raw(frame);
      errors.push((await error).code as string);
    };
    await collect('{not json');
    await collect(Buffer.from([1, 2, 3]).toString('latin1') + '\u0000');
    await collect({ type: 'teleport' });
    await collect({ type: 'send', room: room(), id: 'x', kind: 'chat', body: { text: 'a'.repeat(20_000) } });
    await collect({ type: 'send', room: room(), id: 'bad id with spaces', kind: 'chat', body: { text: 'hi' } });
    await collect({ type: 'send', room: `deal:${scene.dealId}`, id: 'not-joined', kind: 'chat', body: { text: 'hi' } });
    expect(errors).toEqual(['MALFORMED_FRAME', 'MALFORMED_FRAME', 'MALFORMED_FRAME', 'MESSAGE_TOO_LARGE', 'MALFORMED_FRAME', 'NOT_IN_ROOM']);
    const pong = buyer.next((frame) => frame.type === 'pong');
    buyer.raw({ type: 'ping', id: 'still-here' });
    expect(await pong).toMatchObject({ id: 'still-here' });
    expect(buyer.connected).toBe(true);
  });

  it('refuses chat text that the database cannot store (NUL) without failing the messages committed with it', async () => {
    const buyer = await client(scene.buyer);
    const seller = await client(scene.sellerAgent);
    await buyer.join(room());
    await seller.join(room());
    const refused = buyer.next((frame) => frame.type === 'error' && frame.ref === 'nul-1');
    const acked = seller.next((frame) => frame.type === 'ack' && frame.id === 'beside-nul');
    // Sent in the same turn, so both would share a batch if the first were accepted.
    buyer.raw({ type: 'send', room: room(), id: 'nul-1', kind: 'chat', body: { text: 'a\u0000b' } });
    seller.raw({ type: 'send', room: room(), id: 'beside-nul', kind: 'chat', body: { text: 'fine' } });
    expect(await refused).toMatchObject({ code: 'MALFORMED_FRAME', problems: [{ path: 'body.text', message: 'must not contain the NUL character' }] });
    expect(await acked).toMatchObject({ duplicate: false });
  });

  it('rate-limits a flooding connection without affecting anyone else', async () => {
    const flooder = await client(scene.buyer);
    const bystander = await client(scene.sellerAgent);
    await bystander.join(room());
    const limited = flooder.next((frame) => frame.type === 'error' && frame.code === 'RATE_LIMITED');
    for (let index = 0; index < 150; index += 1) flooder.raw({ type: 'ping' });
    expect(await limited).toMatchObject({ code: 'RATE_LIMITED' });
    const pongs = flooder.frames.filter((frame) => frame.type === 'pong').length;
    expect(pongs).toBeLessThan(150);
    const ack = await bystander.say(room(), 'bystander-1', 'unaffected');
    expect(ack).toMatchObject({ type: 'ack', duplicate: false });
  });
});

describe('saved-search alerts', () => {
  it('reach the user who saved a matching search when a listing is published, and nobody else', async () => {
    const saved = await call(domus, asUser(scene.stranger), 'POST', '/saved-searches', { name: 'Amsterdam flats', query: { propertyType: 'apartment', maxPrice: 70000000 } });
    expect(saved.statusCode, saved.body).toBe(201);
    const other = await call(domus, asUser(scene.buyer), 'POST', '/saved-searches', { name: 'Cheap houses', query: { propertyType: 'house' } });
    expect(other.statusCode, other.body).toBe(201);
    const stranger = await client(scene.stranger);
    const buyer = await client(scene.buyer);
    await stranger.join(`user:${scene.stranger.id}`);
    await buyer.join(`user:${scene.buyer.id}`);
    const alert = stranger.next((frame) => frame.type === 'message' && frame.kind === 'alert');
    const { createListing, setStatus } = await import('../../../test/support/api-client');
    const property = (await call(domus, asUser(scene.sellerAgent), 'GET', `/listings/${scene.listingId}`)).json() as { property: { id: string } };
    const listing = await createListing(domus, asUser(scene.sellerAgent), property.property.id, { askingPrice: { amountMinor: 55_000_000, currency: 'EUR' } });
    await setStatus(domus, asUser(scene.sellerAgent), listing.id, 'active');
    expect(await alert).toMatchObject({ room: `user:${scene.stranger.id}`, body: { type: 'saved-search.match', listingId: listing.id, savedSearchName: 'Amsterdam flats' } });
    const pong = buyer.next((frame) => frame.type === 'pong');
    buyer.raw({ type: 'ping' });
    await pong;
    expect(buyer.messages.filter((frame) => frame.kind === 'alert')).toHaveLength(0);
  });
});
