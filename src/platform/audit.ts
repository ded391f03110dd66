import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Clock } from './clock';
import type { Database } from './db';
import type { AuthContext } from './http';
import type { Logger } from './logger';
import type { Secrets } from './secrets';
import { verifyAuditChain, type AuditVerification } from './audit-verify';

/**
 * The tamper-evident audit log (issue 3): append-only, hash-chained. Each entry's `hash` is the
 * SHA-256 of its canonical serialisation (sorted keys, no whitespace) including the previous
 * entry's hash; the database refuses UPDATE, DELETE and TRUNCATE (triggers in
 * migrations/20261129_0001_audit.sql). Appends lock the one chain-head row inside their
 * transaction, so any number of writers on any number of processes extend one linear chain —
 * on PostgreSQL and on PGlite alike. The head row also carries an HMAC under a key derived from
 * the root secret: whoever can write the database but does not hold SECRET_KEY cannot rewrite
 * the tail and forge a consistent head. Verification lives in audit-verify.ts.
 */

export type AuditActorType = 'user' | 'api_key' | 'service' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
}

/** What a caller records. Only `action` is required; a request supplies actor/ip/requestId via `auditContext`. */
export interface AuditEvent {
  /** Dotted, stable name: `identity.member.role_changed`, `deals.offer.accepted`, `security.login.failed`. */
  action: string;
  outcome?: AuditOutcome;
  actor?: AuditActor;
  target?: { type: string; id: string } | null;
  organizationId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** Free-form JSON facts; never secrets, passwords or full personal documents. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  occurredAt: string;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  organizationId: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const auditGenesisHash = '0'.repeat(64);
const maxDetailsBytes = 16_384;

interface AuditLogTable {
  seq: number;
  occurred_at: Date;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  organization_id: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown> | string;
  prev_hash: string;
  hash: string;
}
interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
  mac: string | null;
  updated_at: Date;
}
export type AuditTables = { audit_log: AuditLogTable; audit_chain_head: AuditChainHeadTable };
type AuditDb = Kysely<AuditTables>;

/** JSON with object keys sorted at every depth and no whitespace: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/** The entry's hash: SHA-256 over the canonical form of every field but `hash` itself. */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, occurredAt, actorType, actorId, action, targetType, targetId, organizationId, outcome, ip, requestId, details, prevHash } = entry;
  const canonical = canonicalJson({ v: 1, seq, occurredAt, actorType, actorId, action, targetType, targetId, organizationId, outcome, ip, requestId, details, prevHash });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * PostgreSQL text cannot hold U+0000 and UTF-8 cannot hold a lone surrogate: either would make
 * the stored value differ from what was hashed. Attack input (an e-mail with a NUL byte) is
 * recorded with U+FFFD in their place.
 */
function clean(text: string, max: number): string {
  return text
    .replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .slice(0, max);
}
function cleanOptional(text: string | null | undefined, max: number): string | null {
  return text === null || text === undefined ? null : clean(String(text), max);
}
function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return clean(value, 4_000);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [clean(key, 200), cleanJson(item)]));
  }
  return value;
}
function cleanDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  // A JSON round trip first: Dates become strings, undefined and functions disappear, exactly as jsonb stores them.
  const plain = cleanJson(JSON.parse(JSON.stringify(details))) as Record<string, unknown>;
  const size = Buffer.byteLength(canonicalJson(plain));
  return size <= maxDetailsBytes ? plain : { truncated: true, originalBytes: size };
}

/** The actor, IP and request id of an HTTP request, for `record({ ...auditContext(request), action })`. */
export function auditContext(request: FastifyRequest): { actor: AuditActor; ip: string | null; requestId: string } {
  return { actor: actorOf(request.auth), ip: request.ip ?? null, requestId: request.id };
}

export function actorOf(auth: AuthContext | null | undefined): AuditActor {
  if (!auth) return { type: 'anonymous', id: null };
  const service = (auth as { service?: { name: string } | null }).service;
  if (service) return { type: 'service', id: service.name };
  if (auth.apiKey) return { type: 'api_key', id: auth.apiKey.id };
  if (auth.userId) return { type: 'user', id: auth.userId };
  return { type: 'anonymous', id: null };
}

export function rowToEntry(row: AuditLogTable): AuditEntry {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at.toISOString() : new Date(row.occurred_at).toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    organizationId: row.organization_id,
    outcome: row.outcome,
    ip: row.ip,
    requestId: row.request_id,
    details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditChainHead {
  seq: number;
  hash: string;
  /** Whether the head's HMAC matches (true for the empty chain). */
  macValid: boolean;
}

export class AuditLog {
  private readonly db: AuditDb;

  constructor(
    database: Database,
    private readonly options: { clock: Clock; secrets: Secrets; logger?: Logger },
  ) {
    this.db = database.withTables<AuditTables>();
  }

  private headMac(seq: number, hash: string): string {
    return this.options.secrets.sign('audit-chain-head', `${seq}:${hash}`);
  }

  /**
   * Appends one entry. Pass `executor` (a Kysely transaction) to commit the entry atomically with
   * the change it records — required when the caller holds a transaction on PGlite's single
   * connection. Without one, the append runs in a transaction of its own.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any module's transaction, whatever its tables
  async record(event: AuditEvent, executor?: Kysely<any>): Promise<AuditEntry> {
    const run = async (trx: AuditDb): Promise<AuditEntry> => {
      const head = await trx.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
      const unhashed: Omit<AuditEntry, 'hash'> = {
        seq: Number(head.seq) + 1,
        occurredAt: this.options.clock.now().toISOString(),
        actorType: event.actor?.type ?? 'system',
        actorId: cleanOptional(event.actor?.id, 200),
        action: clean(event.action, 120),
        targetType: cleanOptional(event.target?.type, 60),
        targetId: cleanOptional(event.target?.id, 200),
        organizationId: cleanOptional(event.organizationId, 64),
        outcome: event.outcome ?? 'success',
        ip: cleanOptional(event.ip, 64),
        requestId: cleanOptional(event.requestId, 128),
        details: cleanDetails(event.details),
        prevHash: head.hash,
      };
      const entry: AuditEntry = { ...unhashed, hash: hashAuditEntry(unhashed) };
      await trx
        .insertInto('audit_log')
        .values({
          seq: entry.seq,
          occurred_at: new Date(entry.occurredAt),
          actor_type: entry.actorType,
          actor_id: entry.actorId,
          action: entry.action,
          target_type: entry.targetType,
          target_id: entry.targetId,
          organization_id: entry.organizationId,
          outcome: entry.outcome,
          ip: entry.ip,
          request_id: entry.requestId,
          details: JSON.stringify(entry.details),
          prev_hash: entry.prevHash,
          hash: entry.hash,
        })
        .execute();
      await trx
        .updateTable('audit_chain_head')
        .set({ seq: entry.seq, hash: entry.hash, mac: this.headMac(entry.seq, entry.hash), updated_at: sql`now()` })
        .where('id', '=', 1)
        .execute();
      return entry;
    };
    if (executor) {
      const trx = executor.withTables<AuditTables>() as unknown as AuditDb;
      if (!executor.isTransaction) return trx.transaction().execute((inner) => run(inner));
      return run(trx);
    }
    return this.db.transaction().execute((trx) => run(trx));
  }

  /**
   * Records without failing the caller: for events beside the main work (a failed log-in) where
   * losing the request to an audit-store outage would be worse. Failures are logged at error level.
   */
  async recordQuietly(event: AuditEvent): Promise<void> {
    try {
      await this.record(event);
    } catch (error) {
      this.options.logger?.error({ err: error, action: event.action }, 'audit entry could not be written');
    }
  }

  async head(): Promise<AuditChainHead> {
    const row = await this.db.selectFrom('audit_chain_head').select(['seq', 'hash', 'mac']).where('id', '=', 1).executeTakeFirstOrThrow();
    const seq = Number(row.seq);
    const macValid = seq === 0 ? row.hash === auditGenesisHash : row.mac !== null && this.options.secrets.verify('audit-chain-head', `${seq}:${row.hash}`, row.mac);
    return { seq, hash: row.hash, macValid };
  }

  /** Every entry in sequence order, read in pages (constant memory for any length). */
  async *entries(options: { fromSeq?: number; batchSize?: number } = {}): AsyncGenerator<AuditEntry> {
    const batchSize = options.batchSize ?? 1_000;
    let after = (options.fromSeq ?? 1) - 1;
    for (;;) {
      const rows = await this.db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(batchSize).execute();
      for (const row of rows) yield rowToEntry(row);
      if (rows.length < batchSize) return;
      after = Number(rows[rows.length - 1]?.seq);
    }
  }

  /** The seq of the entry whose prev_hash is `hash` (its successor when the chain was written). */
  async successorOf(hash: string): Promise<number | null> {
    const row = await this.db.selectFrom('audit_log').select('seq').where('prev_hash', '=', hash).orderBy('seq').limit(1).executeTakeFirst();
    return row ? Number(row.seq) : null;
  }

  /** The seq of the entry stored with this hash. */
  async seqOfHash(hash: string): Promise<number | null> {
    const row = await this.db.selectFrom('audit_log').select('seq').where('hash', '=', hash).orderBy('seq').limit(1).executeTakeFirst();
    return row ? Number(row.seq) : null;
  }

  /** Walks the whole chain and the signed head; see audit-verify.ts for what is detected. */
  async verify(options: { maxProblems?: number } = {}): Promise<AuditVerification> {
    const head = await this.head();
    return verifyAuditChain(this.entries(), {
      head,
      successorOf: (hash) => this.successorOf(hash),
      findByHash: (hash) => this.seqOfHash(hash),
      maxProblems: options.maxProblems,
    });
  }

  /** Entries about one actor (GDPR export), newest last. */
  async entriesForActor(actor: AuditActor, limit = 10_000): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('actor_type', '=', actor.type)
      .where('actor_id', actor.id === null ? 'is' : '=', actor.id)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(rowToEntry);
  }

  /** Entries of one organization, newest first, keyset-paged by seq. */
  async entriesForOrganization(organizationId: string, options: { beforeSeq?: number; limit: number; action?: string }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().where('organization_id', '=', organizationId);
    if (options.beforeSeq) query = query.where('seq', '<', options.beforeSeq);
    if (options.action) query = query.where('action', '=', options.action);
    return (await query.orderBy('seq', 'desc').limit(options.limit).execute()).map(rowToEntry);
  }
}
