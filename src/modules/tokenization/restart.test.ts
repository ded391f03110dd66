import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDomus } from '../../app';
import { ManualClock } from '../../platform/clock';
import { testConfig } from '../../platform/config';
import { call } from '../../../test/support/api-client';
import { openTestDatabase, type TestDomus } from '../../../test/support/harness';
import { confirm, investor, issuerWithListing, openOffering, tokenize } from './tokenization.test-support';

/**
 * Close Domus and open it again on the same DATA_DIR and database: the in-process chain replays
 * its transaction log to the same blocks, the indexer resumes from its cursor, and custodial
 * wallets keep working (their keys decrypt with the same root secret, their nonces continue).
 */
describe('restart persistence of the in-process chain', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('keeps chain state, indexed data and the cursor across a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'domus-chain-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { handle, drop } = await openTestDatabase();
    cleanup.push(drop);
    const clock = new ManualClock('2026-03-01T09:00:00.000Z');
    const config = testConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '10000' });
    const open = async () => Object.assign(await createDomus(config, { clock, database: handle }), { clock, config, databaseKind: handle.kind }) as unknown as TestDomus;

    const first = await open();
    const issuer = await issuerWithListing(first);
    const property = await tokenize(first, issuer);
    const offering = await openOffering(first, issuer, property.id);
    const alice = await investor(first, 'Alice', 1_000);
    await confirm(first, alice);
    expect((await call(first, alice.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: 3 })).statusCode).toBe(200);
    const chainBefore = (await call(first, alice.caller, 'GET', '/tokenization/chain')).json();
    const offeringBefore = (await call(first, alice.caller, 'GET', `/tokenization/offerings/${offering.id}`)).json();
    const walletsBefore = (await call(first, alice.caller, 'GET', '/tokenization/wallets')).json();
    const headHash = (await (await first.modules.tokenization.chain.get()).chain.publicClient.getBlock()).hash;
    expect(chainBefore.indexer.cursorBlock).toBe(chainBefore.indexer.headBlock);
    await first.close();

    const second = await open();
    cleanup.push(() => second.close());
    const chainAfter = (await call(second, alice.caller, 'GET', '/tokenization/chain')).json();
    expect(chainAfter).toEqual(chainBefore); // same contracts, same operator, same head, same cursor
    expect((await (await second.modules.tokenization.chain.get()).chain.publicClient.getBlock()).hash).toBe(headHash);
    expect((await call(second, alice.caller, 'GET', `/tokenization/offerings/${offering.id}`)).json()).toEqual(offeringBefore);
    expect((await call(second, alice.caller, 'GET', '/tokenization/wallets')).json()).toEqual(walletsBefore);

    // The custodial wallet still signs, with the next nonce; the indexer continues from its cursor.
    await confirm(second, alice);
    const more = await call(second, alice.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: 2 });
    expect(more.statusCode, more.body).toBe(200);
    expect((await call(second, alice.caller, 'GET', `/tokenization/offerings/${offering.id}`)).json()).toMatchObject({ soldShares: 5, purchases: 1 });
    const chainLater = (await call(second, alice.caller, 'GET', '/tokenization/chain')).json();
    expect(BigInt(chainLater.indexer.cursorBlock)).toBeGreaterThan(BigInt(chainBefore.indexer.cursorBlock));

    // The same database with a DATA_DIR that lost its chain log: refused with 503, not phantom contracts.
    const emptyDir = await mkdtemp(path.join(tmpdir(), 'domus-chain-lost-'));
    cleanup.push(() => rm(emptyDir, { recursive: true, force: true }));
    const third = await createDomus({ ...config, DATA_DIR: emptyDir }, { clock, database: handle });
    cleanup.push(() => third.close());
    const refused = await third.app.inject({ method: 'GET', url: '/api/v1/tokenization/chain' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    expect(refused.json().detail).toContain('blocks.jsonl');
  }, 240_000);
});
