/**
 * One load-generator process of the realtime benchmark (bench/realtime/realtime.bench.ts forks
 * one or more). It holds the WebSocket clients of whole rooms, so that a message's send time and
 * its receive times are read from the same clock, and it runs outside the server's process so the
 * clients do not share its event loop.
 *
 * Both systems get the same minimal client: a plain `ws` socket that speaks the server's own wire
 * protocol and reads only the timestamp out of each message frame. For Domus that is the
 * /realtime JSON protocol (docs/realtime.md); for Socket.IO it is the Engine.IO v4 / Socket.IO v5
 * protocol that socket.io-client speaks (open packet, namespace connect, events with ack ids,
 * ping/pong), so the Socket.IO server runs unchanged with its defaults; only the client-side cost
 * of socket.io-client's decoder and emitter is left out, as the Domus client leaves out JSON.parse.
 *
 * IPC: `connect` -> `connected`; `drive` -> `driven` with latency histograms; `close`.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

import { bucketOf, type DriveResult, type Histogram, type LoadCommand, type RoomAssignment } from './load.shared';

class Recorder {
  counts = new Uint32Array(31_801);
  total = 0;
  add(ms: number): void {
    this.counts[bucketOf(ms)]! += 1;
    this.total += 1;
  }
  export(): Histogram {
    const buckets: [number, number][] = [];
    this.counts.forEach((count, index) => count > 0 && buckets.push([index, count]));
    return { buckets, count: this.total };
  }
}

interface Client {
  send(text: string): void;
  close(): void;
}

let level = -1;
let recording = false;
let delivered = 0;
let acked = 0;
let errors = 0;
let sameNode = new Recorder();
let crossNode = new Recorder();
const sockets: WebSocket[] = [];

/** Reads `"text":"<level>:<sent at>"` out of a message frame without parsing the whole frame. */
function onMessageText(frame: string, crossing: boolean): void {
  const at = frame.indexOf('"text":"');
  if (at < 0) return;
  const colon = frame.indexOf(':', at + 8);
  const end = frame.indexOf('"', colon);
  if (Number(frame.slice(at + 8, colon)) !== level || !recording) return;
  const latency = performance.now() - Number(frame.slice(colon + 1, end));
  delivered += 1;
  (crossing ? crossNode : sameNode).add(latency);
}

function domusClient(port: number, room: string, cookie: string, crossing: boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/realtime`, { headers: { cookie }, perMessageDeflate: false });
    sockets.push(socket);
    let counter = 0;
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('{"type":"message"')) return onMessageText(text, crossing);
      if (text.startsWith('{"type":"ack"')) {
        acked += 1;
        return;
      }
      if (text.startsWith('{"type":"presence"')) return;
      const frame = JSON.parse(text) as { type: string };
      if (frame.type === 'hello') socket.send(JSON.stringify({ type: 'join', room }));
      else if (frame.type === 'joined')
        resolve({
          send: (body) => socket.send(`{"type":"send","room":"${room}","id":"m${(counter += 1)}","kind":"chat","body":{"text":"${body}"}}`),
          close: () => socket.terminate(),
        });
      else if (frame.type === 'error') {
        errors += 1;
        if (errors < 5) console.error('error frame', text);
      }
    });
  });
}

function socketIoClient(port: number, room: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    sockets.push(socket);
    let ackId = 0;
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('42["message"')) return onMessageText(text, false);
      if (text.startsWith('43')) {
        if (text.startsWith('430[')) {
          // The join's ack (id 0).
          resolve({
            send: (body) => socket.send(`42${(ackId += 1)}["send",{"room":"${room}","id":"m${ackId}","text":"${body}"}]`),
            close: () => socket.terminate(),
          });
        } else acked += 1;
        return;
      }
      if (text === '2') return socket.send('3'); // Engine.IO ping -> pong
      if (text.startsWith('0{')) return socket.send('40'); // open -> connect the default namespace
      if (text.startsWith('40')) return socket.send(`420["join","${room}"]`);
      errors += 1;
      if (errors < 5) console.error('unexpected frame', text);
    });
  });
}

async function inBatches<T>(count: number, batch: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let start = 0; start < count; start += batch) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - start) }, (_, offset) => make(start + offset)))));
  }
  return made;
}

let senders: Client[] = [];
let expectedPerSend = 0;

async function connect(mode: 'domus' | 'socketio', rooms: RoomAssignment[]): Promise<number> {
  const flat = rooms.flatMap((entry) => entry.members.map((member, index) => ({ entry, member, index })));
  expectedPerSend = rooms.length === 0 ? 0 : rooms[0]!.members.length;
  const made = await inBatches(flat.length, 200, (index) => {
    const { entry, member } = flat[index]!;
    const crossing = member.node !== entry.members[0]!.node;
    return mode === 'domus' ? domusClient(member.port, entry.room, member.cookie!, crossing) : socketIoClient(member.port, entry.room);
  });
  senders = made.filter((_, index) => flat[index]!.index === 0);
  return made.length;
}

/** Offers `sendsPerSecond` spread over this process's senders, on the clock (open loop). */
async function drive(command: Extract<LoadCommand, { cmd: 'drive' }>): Promise<DriveResult> {
  level = command.level;
  delivered = 0;
  acked = 0;
  sameNode = new Recorder();
  crossNode = new Recorder();
  recording = true;
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // A late tick sends what is owed, so the offered rate holds even when this process lags.
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const owed = Math.floor((Math.min(elapsed, command.seconds * 1000) / 1000) * command.sendsPerSecond);
      while (sent < owed) {
        senders[sent % senders.length]!.send(`${level}:${performance.now()}`);
        sent += 1;
      }
      if (elapsed >= command.seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const sendWindowSeconds = (performance.now() - started) / 1000;
  const expected = sent * expectedPerSend;
  const deadline = performance.now() + command.drainMs;
  while (delivered < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  recording = false;
  return { sent, sendWindowSeconds, delivered, expected, acked, sameNode: sameNode.export(), crossNode: crossNode.export(), errors };
}

process.on('message', (message: LoadCommand) => {
  void (async () => {
    if (message.cmd === 'connect') process.send!({ connected: await connect(message.mode, message.rooms) });
    else if (message.cmd === 'drive') process.send!({ driven: await drive(message) });
    else {
      for (const socket of sockets) socket.terminate();
      process.send!({ closed: true });
      setTimeout(() => process.exit(0), 50);
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
process.send!({ ready: true });
