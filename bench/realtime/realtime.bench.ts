/**
 * bench/realtime (issue 4): broadcast latency and throughput of the /realtime gateway against a
 * Socket.IO baseline measured in the same run, memory per idle connection, and cross-node latency
 * with two and three Domus processes over Redis. Writes bench/results/realtime.json.
 *
 *   DATABASE_URL=postgres://... REDIS_URL=redis://... npm run bench:realtime
 *
 * Without DATABASE_URL the single-node runs use PGlite and the multi-node runs are skipped.
 * Scenario (synthetic, generated): ROOMS rooms of PER_ROOM members each; one member of every room
 * sends at a fixed offered rate; every member (the sender included) receives every message.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { freePort } from '../../test/support/cluster';

const root = path.resolve(import.meta.dirname, '..', '..');
const rooms = Number(process.env.ROOMS ?? 500);
const perRoom = Number(process.env.PER_ROOM ?? 10);
const rates = (process.env.RATES ?? '2500,5000').split(',').map(Number); // messages sent per second, all rooms
const seconds = Number(process.env.SECONDS ?? 8);
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

interface Node {
  child: ChildProcess;
  port: number;
  memory(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  stop(): Promise<void>;
}

async function startNode(mode: 'domus' | 'socketio', environment: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const child = fork(path.join(root, 'bench/realtime/server.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=2048'],
    env: { ...process.env, BENCH_MODE: mode, PORT: String(port), NODE_ENV: 'production', REALTIME_FRAMES_PER_SECOND: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...environment },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message) => (message as { ready?: boolean }).ready && resolve());
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return {
    child,
    port,
    memory: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as never));
        child.send('memory');
      }),
    stop: async () => {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

/** A benchmark client: join one room, send when told, and time every message it receives. */
interface BenchClient {
  room: string;
  node: number;
  send(text: string): void;
  close(): void;
}

const latencies: { sameNode: number[]; crossNode: number[] } = { sameNode: [], crossNode: [] };
let recording = false;
let delivered = 0;

function record(text: string, senderNode: number, receiverNode: number): void {
  if (!recording) return;
  delivered += 1;
  const latency = performance.now() - Number(text);
  (senderNode === receiverNode ? latencies.sameNode : latencies.crossNode).push(latency);
}

function domusClient(port: number, node: number, room: string, cookie: string, senderNodeOf: Map<string, number>): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/realtime`, { headers: { cookie }, perMessageDeflate: false });
    let counter = 0;
    socket.once('error', reject);
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"message"')) {
        const body = /"text":"([0-9.]+)"/.exec(text);
        if (body) record(body[1]!, senderNodeOf.get(room)!, node);
        return;
      }
      const frame = JSON.parse(text) as { type: string; code?: string };
      if (frame.type === 'hello') socket.send(JSON.stringify({ type: 'join', room }));
      else if (frame.type === 'joined') {
        resolve({
          room,
          node,
          send: (body) => socket.send(JSON.stringify({ type: 'send', room, id: `m${(counter += 1)}`, kind: 'chat', body: { text: body } })),
          close: () => socket.terminate(),
        });
      } else if (frame.type === 'error') console.error('error frame', frame);
    });
  });
}

function socketIoBenchClient(port: number, room: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = socketIoClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
    let counter = 0;
    socket.once('connect_error', reject);
    socket.on('message', (message: { text: string }) => record(message.text, 0, 0));
    socket.once('connect', () => {
      socket.emit('join', room, () =>
        resolve({
          room,
          node: 0,
          send: (text) => socket.emit('send', { room, id: `m${(counter += 1)}`, text }, () => undefined),
          close: () => socket.disconnect(),
        }),
      );
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

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

/** Offers `rate` messages/s spread over the rooms' senders for `seconds`, then drains. */
async function drive(senders: BenchClient[], rate: number): Promise<{ offered: number; deliveredPerSecond: number; p50: number; p99: number; crossP50?: number; crossP99?: number; samples: number }> {
  latencies.sameNode = [];
  latencies.crossNode = [];
  delivered = 0;
  recording = true;
  const tickMs = 10;
  let next = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // Open loop on the clock, not on ticks: a late tick sends what is owed, so the offered rate holds.
    const timer = setInterval(() => {
      const owed = Math.floor(((performance.now() - started) / 1000) * rate);
      while (next < owed) {
        senders[next % senders.length]!.send(String(performance.now()));
        next += 1;
      }
      if (performance.now() - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  const sendWindow = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000)); // in-flight messages land
  recording = false;
  const all = [...latencies.sameNode, ...latencies.crossNode];
  return {
    offered: Math.round(next / sendWindow),
    deliveredPerSecond: Math.round(delivered / (sendWindow + 2)),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    ...(latencies.crossNode.length > 0 ? { crossP50: percentile(latencies.crossNode, 50), crossP99: percentile(latencies.crossNode, 99) } : {}),
    samples: all.length,
  };
}

async function freshDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  if (!adminUrl) return { drop: async () => undefined };
  const name = `domus_bench_rt_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleaner = new pg.Client({ connectionString: adminUrl });
      await cleaner.connect();
      await cleaner.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleaner.end();
    },
  };
}

async function runDomus(nodeCount: number, roomCount: number, levels: number[]) {
  const database = await freshDatabase();
  const work = await mkdtemp(path.join(tmpdir(), 'domus-bench-rt-'));
  const setupFile = path.join(work, 'scene.json');
  const shared = {
    ...(database.url ? { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '20' } : {}),
    ...(nodeCount > 1 && redisUrl ? { REDIS_URL: redisUrl } : {}),
    SECRET_KEY: 'synthetic-benchmark-secret-key-0123456789abcdef',
    BENCH_ROOMS: String(roomCount),
    BENCH_PER_ROOM: String(perRoom),
  };
  const nodes: Node[] = [await startNode('domus', { ...shared, DATA_DIR: path.join(work, 'n0'), BENCH_SETUP_FILE: setupFile })];
  for (let index = 1; index < nodeCount; index += 1) nodes.push(await startNode('domus', { ...shared, DATA_DIR: path.join(work, `n${index}`) }));
  const scene = JSON.parse(await readFile(setupFile, 'utf8')) as { room: string; cookies: string[] }[];
  const before = await nodes[0]!.memory();
  const senderNodeOf = new Map(scene.map((entry) => [entry.room, 0]));
  // Member m of a room connects to node m % nodeCount; the sender (member 0) is on node 0.
  const clients = await inBatches(scene.length * perRoom, 250, (index) => {
    const entry = scene[Math.floor(index / perRoom)]!;
    const member = index % perRoom;
    const node = member % nodeCount;
    return domusClient(nodes[node]!.port, node, entry.room, entry.cookies[member]!, senderNodeOf);
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await nodes[0]!.memory();
  const connectionsOnNode0 = clients.filter((client) => client.node === 0).length;
  const senders = clients.filter((_, index) => index % perRoom === 0);
  const runs = [];
  for (const rate of levels) runs.push({ rate, ...(await drive(senders, rate)) });
  for (const client of clients) client.close();
  for (const node of nodes) await node.stop();
  await database.drop();
  await rm(work, { recursive: true, force: true });
  return {
    nodes: nodeCount,
    connections: clients.length,
    rooms: scene.length,
    database: database.url ? 'postgres' : 'pglite',
    idleBytesPerConnection: Math.round((after.rss - before.rss) / connectionsOnNode0),
    idleHeapBytesPerConnection: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / connectionsOnNode0),
    runs,
  };
}

async function runSocketIo(levels: number[]) {
  const node = await startNode('socketio', {});
  const before = await node.memory();
  const clients = await inBatches(rooms * perRoom, 250, (index) => socketIoBenchClient(node.port, `room-${Math.floor(index / perRoom)}`));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await node.memory();
  const senders = clients.filter((_, index) => index % perRoom === 0);
  const runs = [];
  for (const rate of levels) runs.push({ rate, ...(await drive(senders, rate)) });
  for (const client of clients) client.close();
  await node.stop();
  return {
    connections: clients.length,
    rooms,
    idleBytesPerConnection: Math.round((after.rss - before.rss) / clients.length),
    idleHeapBytesPerConnection: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / clients.length),
    runs,
  };
}

const conditions = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  note: 'Clients and servers share this machine; the machine is shared with other work, so absolute figures drift. Compare the ratio.',
};
console.log(`realtime bench: ${rooms} rooms x ${perRoom} members, offered rates ${rates.join(', ')} msg/s for ${seconds}s each`);
const domusOne = await runDomus(1, rooms, rates);
console.table(domusOne.runs);
const socketIo = await runSocketIo(rates);
console.table(socketIo.runs);
const multi = [];
if (adminUrl && redisUrl) {
  const crossRooms = Number(process.env.CROSS_ROOMS ?? 100);
  const crossRate = Number(process.env.CROSS_RATE ?? 1000);
  for (const nodeCount of [2, 3]) {
    const result = await runDomus(nodeCount, crossRooms, [crossRate]);
    console.table(result.runs);
    multi.push(result);
  }
} else {
  console.log('multi-node runs skipped: set DATABASE_URL and REDIS_URL');
}
const best = (runs: { deliveredPerSecond: number }[]) => Math.max(...runs.map((run) => run.deliveredPerSecond));
const summary = {
  domusDeliveredPerSecond: best(domusOne.runs),
  socketIoDeliveredPerSecond: best(socketIo.runs),
  throughputRatio: Number((best(domusOne.runs) / best(socketIo.runs)).toFixed(2)),
  domusP99AtTopRate: domusOne.runs.at(-1)!.p99,
  socketIoP99AtTopRate: socketIo.runs.at(-1)!.p99,
  domusIdleKiBPerConnection: Number((domusOne.idleBytesPerConnection / 1024).toFixed(1)),
  socketIoIdleKiBPerConnection: Number((socketIo.idleBytesPerConnection / 1024).toFixed(1)),
  crossNode: multi.map((result) => ({ nodes: result.nodes, p50: result.runs[0]!.crossP50, p99: result.runs[0]!.crossP99, deliveredPerSecond: result.runs[0]!.deliveredPerSecond })),
  conditions: { ...conditions, loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))) },
};
console.table([summary].map(({ conditions: _conditions, crossNode: _crossNode, ...rest }) => rest));
console.table(summary.crossNode);
await writeFile(path.join(root, 'bench/results/realtime.json'), JSON.stringify({ scenario: { rooms, perRoom, rates, seconds }, summary, domus: domusOne, socketIo, multiNode: multi }, null, 2) + '\n');
console.log('wrote bench/results/realtime.json');
process.exit(0);
