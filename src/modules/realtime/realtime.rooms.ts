import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { Appended, NewMessage, RealtimeRepository, StoredMessage } from './realtime.repository';

/** A connection's place in a room: the last sequence it was sent, and how to send it more. */
export interface Membership {
  readonly room: string;
  cursor: number;
  catchingUp: boolean;
  send(message: StoredMessage): void;
  /** Told once when resuming from before the retained history: messages first..cursor are gone. */
  truncated(first: number): void;
}

interface Room {
  members: Set<Membership>;
  /** The last sequence dispatched on this node, in order and without gaps; null until known. */
  delivered: number | null;
  ready: Promise<void>;
  /** Messages that arrived ahead of a gap, by sequence. */
  ahead: Map<number, StoredMessage>;
  filling: boolean;
}

interface Pending {
  item: NewMessage;
  resolve: (appended: Appended) => void;
  reject: (error: unknown) => void;
}

/** One write lane: its queue, and at most one batch of it in flight. */
interface Lane {
  queue: Pending[];
  flushing: boolean;
  scheduled: boolean;
}

const pageSize = 500;
const maxBatch = 1000;

/**
 * Room messages on one node. Writes are group-committed: the messages submitted while a lane's
 * previous batch was in flight go to the database in one statement (realtime.repository.ts), then
 * are dispatched here and published to the other nodes. Rooms are partitioned over `lanes` write
 * lanes by a hash of their name; each lane has one batch in flight, so a room's messages are
 * written in the order they were submitted, while batches of different rooms commit concurrently. Each room with members on this node keeps a
 * `delivered` mark and dispatches strictly in sequence order; a message that arrives ahead of a
 * gap (a slower publisher, a dropped pub/sub message) waits while the gap is read from the
 * database, where it is guaranteed to be, since a sequence is allocated only after every lower
 * one has committed.
 */
export class RoomHub {
  private readonly rooms = new Map<string, Room>();
  private readonly lanes: Lane[];

  constructor(
    private readonly deps: { repository: RealtimeRepository; bus: EventBus; origin: string; logger: Logger; clock: Clock; lanes?: number },
    private readonly onRoomOpened: (room: string) => void = () => undefined,
    private readonly onRoomClosed: (room: string) => void = () => undefined,
  ) {
    this.lanes = Array.from({ length: Math.max(1, deps.lanes ?? 1) }, () => ({ queue: [], flushing: false, scheduled: false }));
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Persists a message (deduplicated by its key) and resolves with its sequence once committed. */
  append(item: NewMessage): Promise<Appended> {
    const lane = this.lanes[this.lanes.length === 1 ? 0 : laneOf(item.room, this.lanes.length)]!;
    return new Promise((resolve, reject) => {
      lane.queue.push({ item, resolve, reject });
      this.scheduleFlush(lane);
    });
  }

  private scheduleFlush(lane: Lane): void {
    if (lane.scheduled || lane.flushing) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      void this.flush(lane);
    });
  }

  private async flush(lane: Lane): Promise<void> {
    if (lane.flushing || lane.queue.length === 0) return;
    lane.flushing = true;
    const batch = lane.queue.splice(0, maxBatch);
    try {
      let results: Appended[];
      try {
        results = await this.deps.repository.appendBatch(batch.map((pending) => pending.item));
      } catch (error) {
        // Another node stored the same dedupe key between our check and our insert (23505), or
        // its writer and ours deadlocked (40P01): the statement rolled back as a whole, so redo
        // it; this time the earlier copies are found.
        const code = (error as { code?: string }).code;
        if (code !== '23505' && code !== '40P01') throw error;
        results = await this.deps.repository.appendBatch(batch.map((pending) => pending.item));
      }
      const fresh = results.filter((result) => !result.duplicate).map((result) => result.message);
      if (fresh.length > 0) {
        this.receive(fresh);
        this.deps.bus.publish('realtime.messages', { origin: this.deps.origin, messages: fresh }).catch((error: unknown) => {
          this.deps.logger.warn({ err: error }, 'could not publish room messages; other nodes read them on the next gap');
        });
      }
      batch.forEach((pending, index) => pending.resolve(results[index]!));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      lane.flushing = false;
      if (lane.queue.length > 0) this.scheduleFlush(lane);
    }
  }

  /** Messages committed on this node or announced by another, in any order. */
  receive(messages: StoredMessage[]): void {
    for (const message of messages) {
      const room = this.rooms.get(message.room);
      if (!room) continue;
      if (room.delivered === null || message.sequence > room.delivered + 1) {
        room.ahead.set(message.sequence, message);
        if (room.delivered !== null) void this.fillGap(message.room, room);
        continue;
      }
      if (message.sequence <= room.delivered) continue;
      this.dispatch(room, message);
      this.drainAhead(room);
    }
  }

  private dispatch(room: Room, message: StoredMessage): void {
    room.delivered = message.sequence;
    for (const member of room.members) {
      if (member.catchingUp) continue;
      if (message.sequence === member.cursor + 1) {
        member.cursor = message.sequence;
        member.send(message);
      } else if (message.sequence > member.cursor + 1) {
        void this.catchUp(member, room);
      }
    }
  }

  private drainAhead(room: Room): void {
    for (;;) {
      const next = room.ahead.get((room.delivered ?? 0) + 1);
      if (!next) break;
      room.ahead.delete(next.sequence);
      this.dispatch(room, next);
    }
    for (const sequence of room.ahead.keys()) if (sequence <= (room.delivered ?? 0)) room.ahead.delete(sequence);
  }

  private async fillGap(name: string, room: Room): Promise<void> {
    if (room.filling) return;
    room.filling = true;
    try {
      while (room.ahead.size > 0 && this.rooms.get(name) === room) {
        const { messages } = await this.deps.repository.listAfter(name, room.delivered ?? 0, pageSize);
        for (const message of messages) if (message.sequence === (room.delivered ?? 0) + 1) this.dispatch(room, message);
        this.drainAhead(room);
        if (messages.length === 0) break;
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, room: name }, 'could not read a gap of room messages; retrying');
      setTimeout(() => void this.fillGap(name, room), 500).unref();
    } finally {
      room.filling = false;
    }
  }

  /**
   * Adds a member that has seen everything up to `since` and sends it what it missed, from the
   * database, then live. Returns the room's retained range as of joining.
   */
  async join(membership: Membership): Promise<void> {
    let room = this.rooms.get(membership.room);
    if (!room) {
      const created: Room = { members: new Set(), delivered: null, ready: Promise.resolve(), ahead: new Map(), filling: false };
      // Created before reading the bounds, so that nothing announced meanwhile is missed.
      this.rooms.set(membership.room, created);
      created.ready = this.deps.repository.listAfter(membership.room, Number.MAX_SAFE_INTEGER, 0).then(
        ({ last }) => {
          created.delivered = Math.max(created.delivered ?? 0, last);
          this.drainAhead(created);
          if (created.ahead.size > 0) void this.fillGap(membership.room, created);
        },
        (error: unknown) => {
          if (this.rooms.get(membership.room) === created) this.rooms.delete(membership.room);
          throw error;
        },
      );
      room = created;
      this.onRoomOpened(membership.room);
    }
    membership.catchingUp = true;
    room.members.add(membership);
    try {
      await room.ready;
    } catch (error) {
      room.members.delete(membership);
      throw error;
    }
    // A negative cursor asks to start live, from the room's current end.
    if (membership.cursor < 0) membership.cursor = room.delivered ?? 0;
    await this.catchUp(membership, room, true);
  }

  private async catchUp(member: Membership, room: Room, first = false): Promise<void> {
    if (member.catchingUp && !first) return;
    member.catchingUp = true;
    try {
      for (;;) {
        const before = member.cursor;
        const page = await this.deps.repository.listAfter(member.room, member.cursor, pageSize);
        if (!room.members.has(member)) return;
        if (member.cursor < page.first - 1) {
          // Resuming from before the retained history: say so, then carry on from what is kept.
          member.truncated(page.first);
          member.cursor = page.first - 1;
        }
        for (const message of page.messages) {
          if (message.sequence !== member.cursor + 1) break;
          member.cursor = message.sequence;
          member.send(message);
        }
        // Checked synchronously with clearing the flag: later dispatches reach the member directly.
        if (member.cursor >= (room.delivered ?? 0) || member.cursor === before) {
          member.catchingUp = false;
          return;
        }
      }
    } catch (error) {
      member.catchingUp = false;
      throw error;
    }
  }

  leave(membership: Membership): void {
    const room = this.rooms.get(membership.room);
    if (!room) return;
    room.members.delete(membership);
    if (room.members.size === 0) {
      this.rooms.delete(membership.room);
      this.onRoomClosed(membership.room);
    }
  }

  hasRoom(room: string): boolean {
    return this.rooms.has(room);
  }

  /** Waits for queued writes (shutdown). */
  async drain(): Promise<void> {
    while (this.lanes.some((lane) => lane.queue.length > 0 || lane.flushing)) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A stable lane for a room name (FNV-1a). */
function laneOf(room: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < room.length; index += 1) hash = Math.imul(hash ^ room.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % lanes;
}
