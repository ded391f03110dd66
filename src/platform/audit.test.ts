import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../test/support/harness';
import { AuditLog, auditGenesisHash, hashAuditEntry, type AuditEntry } from './audit';
import { readAuditExport, verifyAuditChain, verifyAuditEntries, writeAuditExport } from './audit-verify';
import { Secrets } from './secrets';

let domus: TestDomus;
let audit: AuditLog;

beforeAll(async () => {
  domus = await createTestDomus();
  audit = domus.platform.audit;
});
afterAll(async () => {
  await domus?.close();
});

/** Test-only tampering: the triggers are switched off for the duration, as an attacker with table ownership could. */
async function tamper(statements: string[]): Promise<void> {
  await domus.platform.db.transaction().execute(async (trx) => {
    await sql.raw('ALTER TABLE audit_log DISABLE TRIGGER USER').execute(trx);
    await sql.raw('ALTER TABLE audit_chain_head DISABLE TRIGGER USER').execute(trx);
    for (const statement of statements) await sql.raw(statement).execute(trx);
    await sql.raw('ALTER TABLE audit_log ENABLE TRIGGER USER').execute(trx);
    await sql.raw('ALTER TABLE audit_chain_head ENABLE TRIGGER USER').execute(trx);
  });
}

async function freshChain(length: number): Promise<AuditEntry[]> {
  await tamper(['DELETE FROM audit_log', `UPDATE audit_chain_head SET seq = 0, hash = '${auditGenesisHash}', mac = NULL`]);
  const entries: AuditEntry[] = [];
  for (let index = 1; index <= length; index += 1) {
    entries.push(
      await audit.record({
        action: `test.event.${index % 3}`,
        actor: { type: 'user', id: `user-${index}` },
        target: { type: 'listing', id: `listing-${index}` },
        organizationId: 'org-1',
        ip: '203.0.113.7',
        requestId: `req-${index}`,
        details: { index, nested: { b: 2, a: [1, 'x'] } },
      }),
    );
  }
  return entries;
}

/** Moves a row to another sequence number without tripping the primary key. */
const moveSeq = (from: number, to: number) => `UPDATE audit_log SET seq = ${to} WHERE seq = ${from}`;

describe('audit log', () => {
  beforeEach(async () => {
    await freshChain(0);
  });

  it('chains entries: each carries the previous hash, and verify passes', async () => {
    const entries = await freshChain(5);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]?.prevHash).toBe(auditGenesisHash);
    for (let index = 1; index < entries.length; index += 1) expect(entries[index]?.prevHash).toBe(entries[index - 1]?.hash);
    for (const entry of entries) expect(hashAuditEntry(entry)).toBe(entry.hash);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: true, entries: 5, lastSeq: 5, problems: [] });
    const head = await audit.head();
    expect(head).toEqual({ seq: 5, hash: entries[4]?.hash, macValid: true });
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await freshChain(2);
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(domus.platform.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 2`.execute(domus.platform.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(domus.platform.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_chain_head SET seq = 0`.execute(domus.platform.db)).rejects.toThrow(/forward/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('stores awkward input exactly as hashed (NUL bytes, lone surrogates, key order, Dates)', async () => {
    await audit.record({
      action: 'test.awkward\u0000',
      actor: { type: 'anonymous', id: null },
      details: { z: 1, a: { y: 'bad\u0000\uD800', x: [new Date('2026-01-01T00:00:00Z'), undefined, 1.5] }, 'k\u0000': null },
    });
    const result = await audit.verify();
    expect(result.problems).toEqual([]);
    const [entry] = await audit.entriesForActor({ type: 'anonymous', id: null });
    expect(entry?.action).toBe('test.awkward\uFFFD');
    expect(entry?.details).toEqual({ a: { x: ['2026-01-01T00:00:00.000Z', null, 1.5], y: 'bad\uFFFD\uFFFD' }, 'k\uFFFD': null, z: 1 });
  });

  it('detects an edited entry and names it', async () => {
    await freshChain(5);
    await tamper([`UPDATE audit_log SET details = '{"index": 99}'::jsonb WHERE seq = 3`]);
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ seq: 3, kind: 'edited' })]);
  });

  it('detects an edited entry even when the editor re-hashed it', async () => {
    const entries = await freshChain(5);
    const forged = { ...(entries[2] as AuditEntry), outcome: 'failure' as const };
    await tamper([`UPDATE audit_log SET outcome = 'failure', hash = '${hashAuditEntry(forged)}' WHERE seq = 3`]);
    const result = await audit.verify();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 4, kind: 'broken_link' })]);
    expect(result.problems[0]?.message).toMatch(/entry 3 was replaced or re-hashed/);
  });

  it('detects reordered (swapped) entries and says where each was written', async () => {
    await freshChain(6);
    await tamper([moveSeq(2, 1000), moveSeq(5, 2), moveSeq(1000, 5)]);
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    const reordered = result.problems.filter((problem) => problem.kind === 'reordered');
    expect(reordered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: 2, message: expect.stringMatching(/entry 2 was written as 5/) }),
        expect.objectContaining({ seq: 5, message: expect.stringMatching(/entry 5 was written as 2/) }),
      ]),
    );
    expect(result.problems.some((problem) => problem.kind === 'edited')).toBe(false);
  });

  it('detects a deleted entry in the middle', async () => {
    await freshChain(5);
    await tamper(['DELETE FROM audit_log WHERE seq = 3']);
    const result = await audit.verify();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 3, kind: 'deleted', message: expect.stringMatching(/entry 3 is missing/) })]);
  });

  it('detects a deletion hidden by renumbering the entries after it', async () => {
    await freshChain(5);
    await tamper(['DELETE FROM audit_log WHERE seq = 3', moveSeq(4, 3), moveSeq(5, 4), 'UPDATE audit_chain_head SET seq = 4']);
    const result = await audit.verify();
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'deleted', message: expect.stringMatching(/entry 3 is missing/) }),
        expect.objectContaining({ seq: 3, kind: 'reordered', message: expect.stringMatching(/entries 3–4 were written as 4–5/) }),
        expect.objectContaining({ kind: 'head_mismatch' }),
      ]),
    );
  });

  it('detects entries deleted from the end through the signed head', async () => {
    await freshChain(5);
    await tamper(['DELETE FROM audit_log WHERE seq >= 4']);
    const result = await audit.verify();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 4, kind: 'deleted', message: expect.stringMatching(/entries 4–5 are missing: deleted from the end/) })]);
  });

  it('detects an inserted entry, even one correctly chained and hashed', async () => {
    const entries = await freshChain(5);
    const forgedUnhashed = { ...(entries[2] as AuditEntry), seq: 4, action: 'test.forged', prevHash: (entries[2] as AuditEntry).hash };
    const forged = { ...forgedUnhashed, hash: hashAuditEntry(forgedUnhashed) };
    await tamper([
      moveSeq(5, 6),
      moveSeq(4, 5),
      `INSERT INTO audit_log (seq, occurred_at, actor_type, actor_id, action, outcome, details, prev_hash, hash)
       VALUES (4, '${forged.occurredAt}', 'user', '${forged.actorId}', 'test.forged', 'success', '{}'::jsonb, '${forged.prevHash}', '${hashAuditEntry({ ...forged, targetType: null, targetId: null, organizationId: null, ip: null, requestId: null, details: {} })}')`,
    ]);
    const result = await audit.verify();
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: 4, kind: 'inserted', message: expect.stringMatching(/entry 4 was inserted/) }),
        expect.objectContaining({ seq: 5, kind: 'reordered' }),
      ]),
    );
  });

  it('detects an entry appended past the head, and a forged head', async () => {
    const entries = await freshChain(3);
    const last = entries[2] as AuditEntry;
    const extraUnhashed = { ...last, seq: 4, prevHash: last.hash, action: 'test.appended' };
    const extraHash = hashAuditEntry(extraUnhashed);
    await tamper([
      `INSERT INTO audit_log (seq, occurred_at, actor_type, actor_id, action, target_type, target_id, organization_id, outcome, ip, request_id, details, prev_hash, hash)
       SELECT 4, occurred_at, actor_type, actor_id, 'test.appended', target_type, target_id, organization_id, outcome, ip, request_id, details, hash, '${extraHash}' FROM audit_log WHERE seq = 3`,
    ]);
    let result = await audit.verify();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 4, kind: 'inserted', message: expect.stringMatching(/past the chain head/) })]);
    // Moving the head along without the secret leaves a head whose signature fails.
    await tamper([`UPDATE audit_chain_head SET seq = 4, hash = '${extraHash}'`]);
    result = await audit.verify();
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'head_mismatch', message: expect.stringMatching(/valid signature/) })]);
  });

  it('keeps one valid chain under concurrent writers on separate log instances', async () => {
    const second = new AuditLog(domus.platform.db, { clock: domus.clock, secrets: domus.platform.secrets });
    await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? audit : second).record({ action: 'test.concurrent', details: { index } })),
    );
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: true, entries: 40, lastSeq: 40 });
    const indexes = new Set<number>();
    for await (const entry of audit.entries()) indexes.add(entry.details.index as number);
    expect(indexes.size).toBe(40);
  });

  it('joins the caller transaction: a rolled-back change leaves no entry', async () => {
    await freshChain(1);
    await expect(
      domus.platform.db.transaction().execute(async (trx) => {
        await audit.record({ action: 'test.rolled_back' }, trx);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await audit.head()).seq).toBe(1);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('a head signed with another secret is reported', async () => {
    await freshChain(2);
    const stranger = new AuditLog(domus.platform.db, { clock: domus.clock, secrets: new Secrets(Buffer.alloc(32, 7)) });
    const result = await stranger.verify();
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'head_mismatch' })]);
  });

  it('exports JSON lines that verify on their own, and finds tampering in the file', async () => {
    await freshChain(4);
    const folder = await mkdtemp(path.join(tmpdir(), 'domus-audit-'));
    try {
      const file = path.join(folder, 'audit.jsonl');
      const written = await writeAuditExport(audit, file);
      expect(written).toBe(4);
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: 1, prevHash: auditGenesisHash });
      expect((await verifyAuditEntries(await readAuditExport(file))).ok).toBe(true);
      const edited = lines.map((line, index) => (index === 1 ? line.replace('"outcome":"success"', '"outcome":"failure"') : line));
      const entries = edited.map((line) => JSON.parse(line) as AuditEntry);
      const result = await verifyAuditChain(entries);
      expect(result.problems).toEqual([expect.objectContaining({ seq: 2, kind: 'edited' })]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
