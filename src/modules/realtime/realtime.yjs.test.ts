import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { asUser, call } from '../../../test/support/api-client';
import { createTestDomus, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { dealScene, handshake, type DealScene } from './realtime.test-support';

let domus: TestDomus;
let scene: DealScene;
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  // Documents unload as soon as their last client leaves, so the test sees load-from-database.
  domus = await createTestDomus({ config: { REALTIME_DOCUMENT_IDLE_MS: '0' } });
  scene = await dealScene(domus);
}, 90_000);

afterAll(async () => {
  for (const provider of providers) provider.destroy();
  await domus?.close();
});

async function token(user: SignedInUser): Promise<string> {
  const response = await call(domus, asUser(user), 'POST', '/realtime/tokens');
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { token: string }).token;
}

/** The stock y-websocket client, unchanged, with `ws` as its WebSocket in Node. */
async function open(user: SignedInUser, wsUrl = scene.wsUrl, dealId = scene.dealId): Promise<{ doc: Y.Doc; provider: WebsocketProvider }> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/realtime/yjs`, dealId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: await token(user) },
    disableBc: true,
  });
  providers.push(provider);
  await new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', () => resolve())));
  return { doc, provider };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the shared offer document (y-websocket protocol)', () => {
  it('converges concurrent edits from stock WebsocketProvider clients and shows their awareness', async () => {
    const buyer = await open(scene.buyer);
    const seller = await open(scene.sellerAgent);
    const buyerTerms = buyer.doc.getMap('terms');
    const sellerTerms = seller.doc.getMap('terms');
    // Concurrent: both edit before seeing each other's change.
    buyer.doc.transact(() => {
      buyerTerms.set('amount', 600_000);
      buyer.doc.getText('notes').insert(0, 'Buyer: keys in June. ');
    });
    seller.doc.transact(() => {
      sellerTerms.set('closingDate', '2026-06-30');
      seller.doc.getText('notes').insert(0, 'Seller: curtains stay. ');
    });
    await until(() => buyer.doc.getText('notes').length > 30 && seller.doc.getText('notes').length > 30, 'both edits reached both clients');
    expect(buyer.doc.getText('notes').toString()).toBe(seller.doc.getText('notes').toString());
    expect(buyerTerms.toJSON()).toEqual({ amount: 600_000, closingDate: '2026-06-30' });
    expect(sellerTerms.toJSON()).toEqual(buyerTerms.toJSON());
    buyer.provider.awareness.setLocalStateField('user', { name: 'Bea Buyer', field: 'notes' });
    await until(() => [...seller.provider.awareness.getStates().values()].some((state) => (state as { user?: { name: string } }).user?.name === 'Bea Buyer'), 'awareness crossed');
    buyer.provider.destroy();
    seller.provider.destroy();
  });

  it('persists the document: after every client left and it was unloaded, a new client gets it back', async () => {
    await until(() => domus.modules.realtime.documents.openDocuments === 0, 'the idle document was unloaded');
    const later = await open(scene.buyer);
    expect(later.doc.getMap('terms').toJSON()).toEqual({ amount: 600_000, closingDate: '2026-06-30' });
    expect(later.doc.getText('notes').toString()).toContain('curtains stay');
    // Many small edits, then compaction leaves one row that still holds everything.
    for (let index = 0; index < 60; index += 1) later.doc.getText('notes').insert(0, `${index % 10}`);
    const expected = later.doc.getText('notes').toString();
    later.provider.destroy();
    await until(() => domus.modules.realtime.documents.openDocuments === 0, 'unloaded again');
    let rows = Number.POSITIVE_INFINITY;
    await until(() => {
      void sql<{ count: number }>`SELECT count(*)::int AS count FROM realtime_document_updates WHERE document = ${`deal:${scene.dealId}`}`
        .execute(domus.platform.db)
        .then((result) => (rows = result.rows[0]!.count));
      return rows === 1;
    }, 'the update log was compacted into one row');
    const again = await open(scene.sellerAgent);
    expect(again.doc.getText('notes').toString()).toBe(expected);
    again.provider.destroy();
  });

  it('refuses strangers and unknown documents with 404, and anonymous callers with 401', async () => {
    const strangerToken = await token(scene.stranger);
    expect((await handshake(`${scene.wsUrl}/realtime/yjs/${scene.dealId}?token=${strangerToken}`)).status).toBe(404);
    expect((await handshake(`${scene.wsUrl}/realtime/yjs/not-a-deal?token=${strangerToken}`)).status).toBe(404);
    expect((await handshake(`${scene.wsUrl}/realtime/yjs/${scene.dealId}`)).status).toBe(401);
  });

  it('closes a connection that sends a malformed frame (1007) without disturbing the other clients', async () => {
    const buyer = await open(scene.buyer);
    const rogue = new WebSocket(`${scene.wsUrl}/realtime/yjs/${scene.dealId}?token=${await token(scene.sellerAgent)}`);
    await new Promise((resolve) => rogue.once('open', resolve));
    const closed = new Promise<number>((resolve) => rogue.once('close', (code) => resolve(code)));
    rogue.send(Buffer.from([0, 2, 200, 1, 2, 3]));
    expect(await closed).toBe(1007);
    buyer.doc.getMap('terms').set('inspection', true);
    const check = await open(scene.sellerAgent);
    await until(() => check.doc.getMap('terms').get('inspection') === true, 'an edit after the rogue frame still syncs');
  });
});
