import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { asUser, call } from '../../../test/support/api-client';
import { createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';
import type { ServerFrame } from './realtime.client';
import { connectAs, handshake, dealScene, type DealScene } from './realtime.test-support';

/**
 * Zero trust for long-lived connections: a socket does not outlive the session it was opened
 * with. Log-out (or any revocation, heard over the bus on every node) closes that session's
 * sockets with 4401 on both endpoints; changes that leave a session valid (a step-up) close nothing.
 */
let domus: TestDomus;
let scene: DealScene;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  domus = await createTestDomus();
  scene = await dealScene(domus);
}, 90_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await domus?.close();
});

function open(path: string, cookie: string): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${scene.wsUrl}${path}`, { headers: { cookie } });
    sockets.push(socket);
    const closed = new Promise<{ code: number; reason: string }>((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
    socket.on('open', () => resolve({ socket, closed }));
    socket.on('error', reject);
  });
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))]);

describe('sockets and the sessions behind them', () => {
  it('closes the sockets of a session that logs out, on /realtime and /realtime/yjs, and no one else\'s', async () => {
    // A second browser of the buyer: its own session, which stays logged in.
    const laptop = await signUp(domus, 'Unrelated');
    const buyerRoom = await open('/realtime', scene.buyer.cookie);
    const buyerDocument = await open(`/realtime/yjs/${scene.dealId}`, scene.buyer.cookie);
    const seller = await open('/realtime', scene.sellerAgent.cookie);
    const other = await open('/realtime', laptop.cookie);

    const out = await call(domus, asUser(scene.buyer), 'POST', '/auth/logout');
    expect(out.statusCode, out.body).toBeLessThan(300);

    expect(await within(buyerRoom.closed, 5_000)).toEqual({ code: 4401, reason: 'your session ended: log in again' });
    expect(await within(buyerDocument.closed, 5_000)).toMatchObject({ code: 4401 });
    expect(await within(seller.closed, 300)).toBe('still open');
    expect(await within(other.closed, 1)).toBe('still open');
    expect(seller.socket.readyState).toBe(WebSocket.OPEN);
    // And the cookie no longer opens a socket.
    expect((await handshake(`${scene.wsUrl}/realtime`, { cookie: scene.buyer.cookie })).status).toBe(401);
  });

  it('takes a room away from a member removed from the seller\'s organization, and keeps the socket', async () => {
    const agent = await connectAs(scene.wsUrl, scene.sellerAgent);
    const room = `deal:${scene.dealId}`;
    expect(await agent.join(room)).toMatchObject({ type: 'joined', access: 'write' });
    const refused = agent.next((frame: ServerFrame) => frame.type === 'error' && frame.room === room);
    const removed = await call(domus, asUser(scene.owner), 'DELETE', `/organizations/${scene.organizationId}/members/${scene.sellerAgent.id}`);
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await refused).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND', room });
    // Still connected, no longer in the room: joining again is refused like any outsider.
    const again = agent.next((frame: ServerFrame) => frame.type === 'error' && frame.room === room);
    void agent.join(room).catch(() => undefined);
    expect(await again).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    agent.close();
  });

  it('keeps a socket open when its session changes but stays valid (a step-up)', async () => {
    const seller = await open('/realtime', scene.sellerAgent.cookie);
    const stepped = await call(domus, asUser(scene.sellerAgent), 'POST', '/security/step-up', { password: 'correct horse battery staple' });
    expect(stepped.statusCode, stepped.body).toBe(200);
    expect(await within(seller.closed, 500)).toBe('still open');
    expect(await domus.modules.realtime.gateway.accessChanged({ reason: 'test', sessions: [] })).toBe(0);
  });
});
