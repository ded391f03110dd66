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
      const byRoom = new Map<string, number[]>();
      items.forEach((item, index) => byRoom.set(item.room, [...(byRoom.get(item.room) ?? []), index]));
      // Rooms in a fixed order, so two batches never wait on each other's locks in a cycle.
      for (const room of [...byRoom.keys()].sort()) {
        const indexes = byRoom.get(room)!;
        const keys = indexes.map((index) => items[index]!.dedupeKey).filter((key): key is string => key !== null);
        const seen = new Map<string, StoredMessage>();
        if (keys.length > 0) {
          const existing = await trx.selectFrom('realtime_messages').selectAll().where('room', '=', room).where('dedupe_key', 'in', keys).execute();
          for (const row of existing) seen.set(row.dedupe_key!, toMessage(row));
        }
        const fresh: number[] = [];
        const batchKeys = new Map<string, number>();
        for (const index of indexes) {
          const key = items[index]!.dedupeKey;
          const earlier = key === null ? undefined : seen.get(key);
          if (earlier) results[index] = { message: earlier, duplicate: true };
          else if (key !== null && batchKeys.has(key)) results[index] = { message: undefined as never, duplicate: true };
          else {
            if (key !== null) batchKeys.set(key, index);
            fresh.push(index);
          }
        }
        if (fresh.length === 0) continue;
        const allocated = await sql<{ last_sequence: number; first_sequence: number }>`
          INSERT INTO realtime_rooms (room, last_sequence) VALUES (${room}, ${fresh.length})
          ON CONFLICT (room) DO UPDATE SET last_sequence = realtime_rooms.last_sequence + ${fresh.length}
          RETURNING last_sequence, first_sequence`.execute(trx);
        const { last_sequence: last, first_sequence: first } = allocated.rows[0]!;
        const rows = fresh.map((index, offset) => {
          const item = items[index]!;
          return {
            room,
            sequence: Number(last) - fresh.length + 1 + offset,
            kind: item.kind,
            sender_user_id: item.senderUserId,
            dedupe_key: item.dedupeKey,
            body: sql`${JSON.stringify(item.body)}::jsonb`,
            created_at: item.createdAt,
          };
        });
        await trx.insertInto('realtime_messages').values(rows as never).execute();
        rows.forEach((row, offset) => {
          const index = fresh[offset]!;
          results[index] = {
            message: { room, sequence: row.sequence, kind: row.kind, senderUserId: row.sender_user_id, body: items[index]!.body, createdAt: row.created_at.toISOString() },
            duplicate: false,
          };
        });
        // Bounded history, trimmed in steps of a tenth so that it costs one DELETE now and then.
        const keepFrom = Number(last) - this.historyPerRoom + 1;
        if (keepFrom - Number(first) >= Math.max(1, Math.floor(this.historyPerRoom / 10))) {
          await trx.deleteFrom('realtime_messages').where('room', '=', room).where('sequence', '<', keepFrom).execute();
          await trx.updateTable('realtime_rooms').set({ first_sequence: keepFrom }).where('room', '=', room).execute();
        }
      }
      // A key repeated inside one batch: the later copies point at the first one's result.
      items.forEach((item, index) => {
        if (results[index]?.message === undefined && item.dedupeKey !== null) {
          const first = items.findIndex((other) => other.room === item.room && other.dedupeKey === item.dedupeKey);
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
