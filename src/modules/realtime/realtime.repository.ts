import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db';

export type RealtimeTables = {
  realtime_rooms: { room: string; last_sequence: number; first_sequence: number };
  realtime_messages: {
    room: string;
    sequence: number;
    kind: string;
    sender_user_id: string | null;
    dedupe_key: string | null;
    body: unknown;
    created_at: Date;
  };
  realtime_document_updates: { document: string; id: number; update: Uint8Array; created_at: Date };
};
type RealtimeDb = Kysely<RealtimeTables> | Transaction<RealtimeTables>;

export interface NewMessage {
  room: string;
  kind: string;
  senderUserId: string | null;
  dedupeKey: string | null;
  body: unknown;
  createdAt: Date;
}

export interface StoredMessage {
  room: string;
  sequence: number;
  kind: string;
  senderUserId: string | null;
  body: unknown;
  createdAt: string;
}

/** The outcome for one message of a batch: its sequence, and whether an earlier copy already had it. */
export interface Appended {
  message: StoredMessage;
  duplicate: boolean;
}

type AppendRow = {
  source: 'earlier' | 'allocated';
  room: string;
  dedupe_key: string | null;
  /** The stored copy of a key, as jsonb (created_at as an ISO string). */
  earlier: { sequence: number; kind: string; sender_user_id: string | null; body: unknown; created_at: string } | null;
  last_sequence: number | null;
  first_sequence: number | null;
};

/** All SQL of the realtime module. */
export class RealtimeRepository {
  readonly db: Kysely<RealtimeTables>;
  constructor(database: Database, private readonly historyPerRoom: number) {
    this.db = database.withTables<RealtimeTables>();
  }

  /**
   * Appends a batch of messages in ONE statement (group commit, one round trip): per room, the
   * sequence row is bumped by the number of new messages with a single upsert, whose row lock
   * orders concurrent writers on every node, so sequences are gap-free and commit in order.
   * Messages whose dedupe key is already stored come back as duplicates with their original
   * sequence; a repeat inside the batch gets its first copy's. A concurrent writer that stores
   * the same key first makes this statement fail with 23505 as a whole (the caller retries it).
   */
  async appendBatch(items: NewMessage[]): Promise<Appended[]> {
    // A key repeated inside the batch is sent once (its first copy); the repeats get that copy's
    // sequence below.
    const sentKeys = new Set<string>();
    const input = [];
    for (const [index, item] of items.entries()) {
      if (item.dedupeKey !== null) {
        const key = `${item.room}\u0000${item.dedupeKey}`;
        if (sentKeys.has(key)) continue;
        sentKeys.add(key);
      }
      input.push({ i: index, room: item.room, kind: item.kind, sender_user_id: item.senderUserId, dedupe_key: item.dedupeKey, body: item.body, created_at: item.createdAt.toISOString() });
    }
    // The statement is the function realtime_append (migrations/20261129_1000_realtime_append.sql),
    // so that its plan is prepared once per connection: a dedupe lookup per key on the unique
    // index, one sequence bump per room, one insert; about 25 ms for 1,000 messages.
    const { rows } = await sql<AppendRow>`SELECT * FROM realtime_append(${JSON.stringify(input)}::jsonb)`.execute(this.db);

    const seen = new Map<string, StoredMessage>();
    const bounds = new Map<string, { last: number; first: number }>();
    for (const row of rows) {
      if (row.source === 'earlier') {
        const earlier = row.earlier!;
        seen.set(`${row.room}\u0000${row.dedupe_key}`, {
          room: row.room, sequence: Number(earlier.sequence), kind: earlier.kind, senderUserId: earlier.sender_user_id, body: earlier.body, createdAt: new Date(earlier.created_at).toISOString(),
        });
      }
      else bounds.set(row.room, { last: Number(row.last_sequence), first: Number(row.first_sequence) });
    }
    // The same selection as `fresh` above, in batch order, so offsets match the SQL numbering.
    const results = new Array<Appended | undefined>(items.length);
    const fresh = new Map<string, number[]>();
    const firstOfKey = new Map<string, number>();
    items.forEach((item, index) => {
      const key = item.dedupeKey === null ? null : `${item.room}\u0000${item.dedupeKey}`;
      const earlier = key === null ? undefined : seen.get(key);
      if (earlier) results[index] = { message: earlier, duplicate: true };
      else if (key !== null && firstOfKey.has(key)) return; // a repeat inside this batch: resolved below
      else {
        if (key !== null) firstOfKey.set(key, index);
        const indexes = fresh.get(item.room);
        if (indexes) indexes.push(index);
        else fresh.set(item.room, [index]);
      }
    });
    const trims: { room: string; keepFrom: number }[] = [];
    for (const [room, indexes] of fresh) {
      const range = bounds.get(room);
      if (!range) throw new Error(`realtime append: no sequence allocated for ${room}`);
      indexes.forEach((index, offset) => {
        const item = items[index]!;
        results[index] = {
          message: { room, sequence: range.last - indexes.length + 1 + offset, kind: item.kind, senderUserId: item.senderUserId, body: item.body, createdAt: item.createdAt.toISOString() },
          duplicate: false,
        };
      });
      // Bounded history, trimmed in steps of a tenth so that it costs one statement now and then.
      const keepFrom = range.last - this.historyPerRoom + 1;
      if (keepFrom - range.first >= Math.max(1, Math.floor(this.historyPerRoom / 10))) trims.push({ room, keepFrom });
    }
    items.forEach((item, index) => {
      if (results[index] === undefined) {
        const first = firstOfKey.get(`${item.room}\u0000${item.dedupeKey}`)!;
        results[index] = { message: results[first]!.message, duplicate: true };
      }
    });
    // The messages are committed whatever happens here: a trim that fails (say, a deadlock with
    // another node's writer) is tried again by the room's next append, since its range is unchanged.
    if (trims.length > 0) await this.trim(trims).catch(() => undefined);
    return results as Appended[];
  }

  /**
   * Drops messages before `keepFrom` in each room and moves its `first_sequence`, in one
   * statement. Only rooms that crossed a step are named, so this runs now and then.
   */
  private async trim(rooms: { room: string; keepFrom: number }[]): Promise<void> {
    await sql`
      WITH t AS (SELECT * FROM unnest(${rooms.map((entry) => entry.room)}::text[], ${rooms.map((entry) => entry.keepFrom)}::bigint[]) AS t(room, keep_from)),
      gone AS (DELETE FROM realtime_messages m USING t WHERE m.room = t.room AND m.sequence < t.keep_from)
      UPDATE realtime_rooms r SET first_sequence = GREATEST(r.first_sequence, t.keep_from) FROM t WHERE r.room = t.room`.execute(this.db);
  }

  /** Messages after `after`, oldest first, and the room's retained range. */
  async listAfter(room: string, after: number, limit: number): Promise<{ messages: StoredMessage[]; first: number; last: number }> {
    const bounds = await this.db.selectFrom('realtime_rooms').select(['first_sequence', 'last_sequence']).where('room', '=', room).executeTakeFirst();
    if (!bounds) return { messages: [], first: 1, last: 0 };
    const rows = await this.db
      .selectFrom('realtime_messages')
      .selectAll()
      .where('room', '=', room)
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(limit)
      .execute();
    return { messages: rows.map(toMessage), first: Number(bounds.first_sequence), last: Number(bounds.last_sequence) };
  }

  // ---- Yjs documents ---------------------------------------------------------------------

  async appendUpdates(document: string, updates: Uint8Array[], at: Date): Promise<void> {
    if (updates.length === 0) return;
    await this.db
      .insertInto('realtime_document_updates')
      .values(updates.map((update) => ({ document, update, created_at: at })) as never)
      .execute();
  }

  async loadUpdates(document: string): Promise<{ lastId: number; updates: Uint8Array[] }> {
    const rows = await this.db.selectFrom('realtime_document_updates').select(['id', 'update']).where('document', '=', document).orderBy('id').execute();
    return { lastId: rows.length > 0 ? Number(rows.at(-1)!.id) : 0, updates: rows.map((row) => new Uint8Array(row.update)) };
  }

  /** Replaces the log up to `upToId` by one merged update (a state that includes all of them). */
  async compact(document: string, upToId: number, merged: Uint8Array, at: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('realtime_document_updates').where('document', '=', document).where('id', '<=', upToId).execute();
      await trx.insertInto('realtime_document_updates').values({ document, update: merged, created_at: at } as never).execute();
    });
  }
}

function toMessage(row: RealtimeTables['realtime_messages']): StoredMessage {
  return {
    room: row.room,
    sequence: Number(row.sequence),
    kind: row.kind,
    senderUserId: row.sender_user_id,
    body: row.body,
    createdAt: row.created_at.toISOString(),
  };
}
