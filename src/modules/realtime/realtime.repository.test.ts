import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/harness';
import { systemClock } from '../../platform/clock';
import { migrateToLatest, type DatabaseHandle } from '../../platform/db';
import { InProcessEventBus } from '../../platform/events';
import { RealtimeRepository, type NewMessage, type StoredMessage } from './realtime.repository';
import { RoomHub, type Membership } from './realtime.rooms';

const roomA = 'deal:00000000-0000-4000-8000-00000000000a';
const roomB = 'deal:00000000-0000-4000-8000-00000000000b';
const at = new Date('2026-11-29T12:00:00.000Z');
const chat = (room: string, dedupeKey: string | null, text: string): NewMessage => ({ room, kind: 'chat', senderUserId: null, dedupeKey, body: { text }, createdAt: at });

describe('realtime message store (one statement per batch)', () => {
  let database: { handle: DatabaseHandle; drop: () => Promise<void> };
  let repository: RealtimeRepository;
  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateToLatest(database.handle.db);
    repository = new RealtimeRepository(database.handle.db, 20);
  });
  afterAll(async () => database.drop());

  it('numbers each room gap-free in batch order and answers stored and repeated keys with their first copy', async () => {
    const first = await repository.appendBatch([chat(roomA, 'u:1', 'a1'), chat(roomB, 'u:1', 'b1'), chat(roomA, null, 'a2'), chat(roomA, 'u:2', 'a3')]);
    expect(first.map((result) => [result.message.room, result.message.sequence, result.duplicate])).toEqual([
      [roomA, 1, false], [roomB, 1, false], [roomA, 2, false], [roomA, 3, false],
    ]);
    const second = await repository.appendBatch([
      chat(roomA, 'u:2', 'resent'), // stored before: its original sequence and body
      chat(roomA, 'u:3', 'a4'),
      chat(roomA, 'u:3', 'a4 again'), // repeated inside the batch: the first copy's sequence
      chat(roomB, 'u:2', 'b2'),
    ]);
    expect(second.map((result) => [result.message.sequence, result.duplicate, (result.message.body as { text: string }).text])).toEqual([
      [3, true, 'a3'], [4, false, 'a4'], [4, true, 'a4'], [2, false, 'b2'],
    ]);
    const stored = await repository.listAfter(roomA, 0, 100);
    expect(stored.messages.map((message) => (message.body as { text: string }).text)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(stored.last).toBe(4);
  });

  it('trims the history to its bound in steps, and reports the first kept sequence', async () => {
    const room = 'deal:00000000-0000-4000-8000-0000000000cc';
    for (let batch = 0; batch < 5; batch += 1) await repository.appendBatch(Array.from({ length: 5 }, (_, index) => chat(room, null, `m${batch * 5 + index}`)));
    const { messages, first, last } = await repository.listAfter(room, 0, 100);
    expect(last).toBe(25);
    expect(first).toBeGreaterThan(1);
    expect(messages[0]!.sequence).toBe(first);
    expect(messages.map((message) => message.sequence)).toEqual(Array.from({ length: last - first + 1 }, (_, index) => first + index));
    expect(messages.length).toBeGreaterThanOrEqual(20);
  });

  it('keeps every room in order with several write lanes committing at once', async () => {
    const bus = new InProcessEventBus('test');
    const hub = new RoomHub({ repository, bus, origin: 'test', logger: pino({ level: 'silent' }), clock: systemClock, lanes: 4 });
    const rooms = Array.from({ length: 12 }, (_, index) => `deal:00000000-0000-4000-8000-${String(100 + index).padStart(12, '0')}`);
    const received = new Map<string, number[]>(rooms.map((room) => [room, []]));
    for (const room of rooms) {
      const seat: Membership = { room, cursor: -1, catchingUp: true, send: (message: StoredMessage) => received.get(room)!.push(Number((message.body as { text: string }).text)), truncated: () => undefined };
      await hub.join(seat);
    }
    // Interleaved across rooms and across event-loop turns, so several batches are in flight.
    const appends = [];
    for (let index = 0; index < 240; index += 1) {
      appends.push(hub.append(chat(rooms[index % rooms.length]!, `k:${index}`, String(index))));
      if (index % 30 === 29) await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(appends);
    for (const room of rooms) {
      const sent = results.filter((result) => result.message.room === room);
      expect(sent.map((result) => result.message.sequence)).toEqual(sent.map((_, index) => index + 1));
      // Each room's members got its messages once each, in the order they were submitted.
      expect(received.get(room)).toEqual(sent.map((result) => Number((result.message.body as { text: string }).text)));
    }
    await hub.drain();
    await bus.close();
  });
});
