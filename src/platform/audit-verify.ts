import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { auditGenesisHash, hashAuditEntry, type AuditChainHead, type AuditEntry, type AuditLog } from './audit';

/**
 * Walks an audit chain (from the database or an exported JSON-lines file) and says exactly what is
 * wrong and where: an edited entry (content no longer matches its hash), entries deleted (a gap in
 * the sequence, or an entry chaining to a hash no entry has), an inserted entry (its successor
 * chains past it), entries moved or renumbered (their hash only matches under another sequence
 * number), and a tail that disagrees with the HMAC-signed chain head.
 */
export type AuditProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'broken_link' | 'head_mismatch';

export interface AuditProblem {
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  lastSeq: number;
  lastHash: string;
  problems: AuditProblem[];
  /** More problems were found than `maxProblems`; fix the first ones and verify again. */
  truncated: boolean;
}

export interface VerifyOptions {
  head?: AuditChainHead | null;
  /** Seq (as stored) of the entry whose prev_hash is `hash`; finds where a moved entry came from. */
  successorOf?: (hash: string) => Promise<number | null>;
  /** Seq (as stored) of the entry whose hash is `hash`. */
  findByHash?: (hash: string) => Promise<number | null>;
  maxProblems?: number;
}

/** Hashes kept to place moved entries; a moved entry's predecessor is nearly always recent. */
const rememberedHashes = 200_000;

export async function verifyAuditChain(entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>, options: VerifyOptions = {}): Promise<AuditVerification> {
  const maxProblems = options.maxProblems ?? 1_000;
  const problems: AuditProblem[] = [];
  let truncated = false;
  const report = (problem: AuditProblem) => {
    if (problems.length < maxProblems) problems.push(problem);
    else truncated = true;
  };
  /** stored hash → the sequence number the entry was written with */
  const written = new Map<string, number>();
  const remember = (hash: string, seq: number) => {
    written.set(hash, seq);
    if (written.size > rememberedHashes) written.delete(written.keys().next().value as string);
  };

  let count = 0;
  let prev = { seq: 0, hash: auditGenesisHash };
  let prevPrevHash: string | null = null;
  let prevWritten = 0;
  let shift: { from: number; to: number; offset: number } | null = null;
  const flushShift = () => {
    if (!shift) return;
    const { from, to, offset } = shift;
    const range = from === to ? `entry ${from} was` : `entries ${from}–${to} were`;
    report({
      seq: from,
      kind: 'reordered',
      message: `${range} written as ${from === to ? from - offset : `${from - offset}–${to - offset}`}: renumbered or moved (entries inserted, deleted or swapped around them).`,
    });
    shift = null;
  };

  for await (const entry of entries) {
    count += 1;
    if (entry.seq <= prev.seq) {
      flushShift();
      report({ seq: entry.seq, kind: 'reordered', message: `entry ${entry.seq} comes after entry ${prev.seq}: the log is out of order.` });
    }
    const gap = entry.seq - prev.seq - 1;
    if (gap > 0) {
      flushShift();
      const range = gap === 1 ? `entry ${prev.seq + 1} is` : `entries ${prev.seq + 1}–${entry.seq - 1} are`;
      report({ seq: prev.seq + 1, kind: 'deleted', message: `${range} missing: deleted (entry ${entry.seq} follows entry ${prev.seq}).` });
    }

    let writtenSeq = entry.seq;
    if (hashAuditEntry(entry) !== entry.hash) {
      const candidates = new Set<number>();
      const predecessor = written.get(entry.prevHash);
      if (predecessor !== undefined) candidates.add(predecessor + 1);
      if (shift) candidates.add(entry.seq - shift.offset);
      if (options.successorOf) {
        const successor = await options.successorOf(entry.hash);
        if (successor !== null) candidates.add(successor - 1);
      }
      if (options.head && options.head.hash === entry.hash) candidates.add(options.head.seq);
      candidates.add(entry.seq + 1);
      candidates.add(entry.seq - 1);
      candidates.delete(entry.seq);
      const original = [...candidates].find((seq) => seq > 0 && hashAuditEntry({ ...entry, seq }) === entry.hash);
      if (original === undefined) {
        flushShift();
        report({ seq: entry.seq, kind: 'edited', message: `entry ${entry.seq} (${entry.action}) was edited: its content no longer matches its hash.` });
      } else {
        writtenSeq = original;
        const offset = entry.seq - original;
        if (shift && shift.offset === offset && shift.to === entry.seq - 1) shift.to = entry.seq;
        else {
          flushShift();
          shift = { from: entry.seq, to: entry.seq, offset };
        }
        // It chains to a hash no entry has: the entries between it and its predecessor were deleted.
        if (predecessor === undefined && entry.prevHash !== prev.hash && original - 1 > prevWritten) {
          const exists = options.findByHash ? (await options.findByHash(entry.prevHash)) !== null : false;
          if (!exists) {
            const range = original - 1 === prevWritten + 1 ? `entry ${original - 1} is` : `entries ${prevWritten + 1}–${original - 1} are`;
            report({ seq: entry.seq, kind: 'deleted', message: `${range} missing (numbered as written): deleted, and the entries after renumbered.` });
          }
        }
      }
    } else {
      flushShift();
    }

    // The link: an intact entry must chain to the entry before it.
    if (gap <= 0 && entry.prevHash !== prev.hash && writtenSeq === entry.seq) {
      if (prevPrevHash !== null && entry.prevHash === prevPrevHash) {
        report({ seq: prev.seq, kind: 'inserted', message: `entry ${prev.seq} was inserted: entry ${entry.seq} chains to the entry before it.` });
      } else if (written.has(entry.prevHash)) {
        report({ seq: entry.seq, kind: 'reordered', message: `entry ${entry.seq} chains to entry ${written.get(entry.prevHash)}, not to entry ${prev.seq}: entries were reordered.` });
      } else if (options.findByHash && (await options.findByHash(entry.prevHash)) !== null) {
        const at = await options.findByHash(entry.prevHash);
        report({ seq: entry.seq, kind: 'reordered', message: `entry ${entry.seq} chains to the entry now at ${at}, not to entry ${prev.seq}: entries were reordered.` });
      } else {
        report({
          seq: entry.seq,
          kind: 'broken_link',
          message: `entry ${entry.seq} does not chain to entry ${prev.seq}: entry ${prev.seq} was replaced or re-hashed, or the entry before ${entry.seq} was deleted.`,
        });
      }
    } else if (gap <= 0 && writtenSeq !== entry.seq && prevPrevHash !== null && entry.prevHash === prevPrevHash && entry.prevHash !== prev.hash) {
      report({ seq: prev.seq, kind: 'inserted', message: `entry ${prev.seq} was inserted: entry ${entry.seq} (written as ${writtenSeq}) chains to the entry before it.` });
    }

    remember(entry.hash, writtenSeq);
    prevWritten = writtenSeq;
    prevPrevHash = prev.hash;
    prev = { seq: entry.seq, hash: entry.hash };
  }
  flushShift();

  const head = options.head;
  if (head) {
    if (!head.macValid) {
      report({ seq: head.seq, kind: 'head_mismatch', message: `the chain head (entry ${head.seq}) does not carry a valid signature: the head was edited, or SECRET_KEY is not the one that wrote the log.` });
    }
    if (prev.seq < head.seq) {
      const range = head.seq - prev.seq === 1 ? `entry ${head.seq} is` : `entries ${prev.seq + 1}–${head.seq} are`;
      report({ seq: prev.seq + 1, kind: 'deleted', message: `${range} missing: deleted from the end of the log (the chain head is at ${head.seq}).` });
    } else if (prev.seq > head.seq) {
      const range = prev.seq - head.seq === 1 ? `entry ${prev.seq} was` : `entries ${head.seq + 1}–${prev.seq} were`;
      report({ seq: head.seq + 1, kind: 'inserted', message: `${range} inserted past the chain head (entry ${head.seq}), outside the audit writer.` });
    } else if (prev.hash !== head.hash) {
      report({ seq: prev.seq, kind: 'head_mismatch', message: `entry ${prev.seq} is not the entry the chain head recorded: the last entry was replaced.` });
    }
  }

  return { ok: problems.length === 0, entries: count, lastSeq: prev.seq, lastHash: prev.hash, problems, truncated };
}

/** Writes every entry (from `fromSeq`) as one JSON object per line; returns how many. */
export async function writeAuditExport(audit: AuditLog, target: string | Writable, options: { fromSeq?: number } = {}): Promise<number> {
  const stream = typeof target === 'string' ? createWriteStream(target, { encoding: 'utf8' }) : target;
  let count = 0;
  try {
    for await (const entry of audit.entries({ fromSeq: options.fromSeq })) {
      count += 1;
      if (!stream.write(`${JSON.stringify(entry)}\n`)) await once(stream, 'drain');
    }
  } finally {
    if (typeof target === 'string') await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return count;
}

/** Reads an export back; a line that is not an entry is reported with its line number. */
export async function readAuditExport(file: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${lineNumber} is not JSON`);
    }
    const entry = parsed as AuditEntry;
    if (typeof entry?.seq !== 'number' || typeof entry.hash !== 'string' || typeof entry.prevHash !== 'string') {
      throw new Error(`${file}:${lineNumber} is not an audit entry (seq, hash and prevHash are required)`);
    }
    entries.push(entry);
  }
  return entries;
}

/** Verifies an exported file on its own (no database): the same checks, without the signed head. */
export function verifyAuditEntries(entries: AuditEntry[], options: { maxProblems?: number } = {}): Promise<AuditVerification> {
  const bySuccessorLink = new Map<string, number>();
  const byHash = new Map<string, number>();
  for (const entry of entries) {
    if (!bySuccessorLink.has(entry.prevHash)) bySuccessorLink.set(entry.prevHash, entry.seq);
    if (!byHash.has(entry.hash)) byHash.set(entry.hash, entry.seq);
  }
  return verifyAuditChain(entries, {
    successorOf: async (hash) => bySuccessorLink.get(hash) ?? null,
    findByHash: async (hash) => byHash.get(hash) ?? null,
    maxProblems: options.maxProblems,
  });
}
