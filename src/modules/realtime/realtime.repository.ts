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

/** All SQL of the realtime module. */
export class RealtimeRepository {
  readonly db: Kysely<RealtimeTables>;
  constructor(database: Database, private readonly historyPerRoom: number) {
    this.db = database.withTables<RealtimeTables>();
  }

  /**
   * Appends a batch of messages in ONE transaction (group commit): per room, the sequence row is
   * bumped by the number of new messages with a single upsert, whose row lock orders concurrent
   * writers on every node, so sequences are gap-free and commit in order. Messages whose dedupe
   * key is already stored come back as duplicates with their original sequence.
   */
  async appendBatch(items: NewMessage[]): Promise<Appended[]> {
    return this.db.transaction().execute(async (trx) => {
      const results = new Array<Appended | undefined>(items.length);
      // 1. Earlier copies of any dedupe key in the batch: one statement for every room.
      const keys = [...new Set(items.map((item) => item.dedupeKey).filter((key): key is string => key !== null))];
      const seen = new Map<string, StoredMessage>();
      if (keys.length > 0) {
        // Both columns of the (room, dedupe_key) index, so this is an index scan, never a table scan.
        const rooms = [...new Set(items.map((item) => item.room))];
        const existing = await trx.selectFrom('realtime_messages').selectAll().where('room', 'in', rooms).where('dedupe_key', 'in', keys).execute();
        for (const row of existing) seen.set(`${row.room}\u0000${row.dedupe_key}`, toMessage(row));
      }
      const fresh = new Map<string, number[]>();
      const firstOfKey = new Map<string, number>();
      items.forEach((item, index) => {
        const key = item.dedupeKey === null ? null : `${item.room}\u0000${item.dedupeKey}`;
        const earlier = key === null ? undefined : seen.get(key);
        if (earlier) results[index] = { message: earlier, duplicate: true };
        else if (key !== null && firstOfKey.has(key)) return; // a repeat inside this batch: resolved below
        else {
          if (key !== null) firstOfKey.set(key, index);
          fresh.set(item.room, [...(fresh.get(item.room) ?? []), index]);
        }
      });
      if (fresh.size > 0) {
        // 2. One upsert bumps every room's sequence by its count. Rooms in a fixed order, so two
        //    batches never wait on each other's row locks in a cycle.
        const rooms = [...fresh.keys()].sort();
        const allocated = await sql<{ room: string; last_sequence: number; first_sequence: number }>`
          INSERT INTO realtime_rooms (room, last_sequence)
          VALUES ${sql.join(rooms.map((room) => sql`(${room}, ${fresh.get(room)!.length})`))}
          ON CONFLICT (room) DO UPDATE SET last_sequence = realtime_rooms.last_sequence + EXCLUDED.last_sequence
          RETURNING room, last_sequence, first_sequence`.execute(trx);
        const rows: Record<string, unknown>[] = [];
        for (const { room, last_sequence: lastValue, first_sequence: firstValue } of allocated.rows) {
          const indexes = fresh.get(room)!;
          const last = Number(lastValue);
          indexes.forEach((index, offset) => {
            const item = items[index]!;
            const sequence = last - indexes.length + 1 + offset;
            rows.push({
              room, sequence, kind: item.kind, sender_user_id: item.senderUserId, dedupe_key: item.dedupeKey,
              body: sql`${JSON.stringify(item.body)}::jsonb`, created_at: item.createdAt,
            });
            results[index] = {
              message: { room, sequence, kind: item.kind, senderUserId: item.senderUserId, body: item.body, createdAt: item.createdAt.toISOString() },
              duplicate: false,
            };
          });
          // Bounded history, trimmed in steps of a tenth so that it costs one DELETE now and then.
          const keepFrom = last - this.historyPerRoom + 1;
          if (keepFrom - Number(firstValue) >= Math.max(1, Math.floor(this.historyPerRoom / 10))) {
            await trx.deleteFrom('realtime_messages').where('room', '=', room).where('sequence', '<', keepFrom).execute();
            await trx.updateTable('realtime_rooms').set({ first_sequence: keepFrom }).where('room', '=', room).execute();
          }
        }
        // 3. One insert for all new messages.
        await trx.insertInto('realtime_messages').values(rows as never).execute();
      }
      items.forEach((item, index) => {
        if (results[index] === undefined) {
          const first = firstOfKey.get(`${item.room}\u0000${item.dedupeKey}`)!;
          results[index] = { message: results[first]!.message, duplicate: true };
        }
      });
      return results as Appended[];
    });
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
