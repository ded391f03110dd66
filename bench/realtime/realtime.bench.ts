/**
 * bench/realtime (issue 4): the highest broadcast throughput each server sustains with p99 < 100 ms
 * — Domus's /realtime gateway and a Socket.IO baseline, same scenario, same run — memory per idle
 * connection, and cross-node latency with two and three Domus processes over Redis. Writes
 * bench/results/realtime.json.
 *
 *   npm run bench:realtime        (DATABASE_URL / REDIS_URL, else the local ones if they answer)
 *
 * Without PostgreSQL the single-node runs use PGlite; without Redis the multi-node runs are skipped.
 * Scenario (synthetic, generated): ROOMS rooms of PER_ROOM members each; one member of every room
 * sends; every member (the sender included) receives every message. The offered rate ramps through
 * RATES (delivered messages per second = sends per second x PER_ROOM); a level passes when every
 * message sent in it reached every member and the p99 latency is under 100 ms. A system's maximum
 * is its last passing level; a failed level is run once more (RETRIES), and a second failure ends
 * the ramp.
 * The clients run in LOAD_PROCESSES separate processes (rooms split between them, each room whole
 * in one process so latency is read on one clock), identically for both systems.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../../test/support/cluster';
import { bucketUpper, type DriveResult, type Histogram, type LoadCommand, type RoomAssignment } from './load.shared';
import { createThrowawayDatabase } from '../../test/support/throwaway-database';
import { cpuAccounting, sampleCpu } from './cpu-accounting';

const root = path.resolve(import.meta.dirname, '..', '..');
const rooms = Number(process.env.ROOMS ?? 500);
const perRoom = Number(process.env.PER_ROOM ?? 10);
/** Delivered messages per second offered at each level of the ramp. */
const rates = (process.env.RATES ?? '10000,20000,30000,40000,50000,60000,70000,80000,100000,120000').split(',').map(Number);
// Not SECONDS: bash keeps its own SECONDS (time since the shell started), which may be exported.
const seconds = Number(process.env.LEVEL_SECONDS ?? 5);
const drainMs = Number(process.env.DRAIN_MS ?? 2000);
const loadProcesses = Number(process.env.LOAD_PROCESSES ?? 2);
/** Niceness of the load processes (0: as the servers). */
const loadNice = Number(process.env.LOAD_NICE ?? 0);
const p99Target = 100;
/** How many times a failed level is run again before the ramp stops. */
const retries = Number(process.env.RETRIES ?? 1);
const systems = (process.env.SYSTEMS ?? 'domus,socketio,multi').split(',');
const profileDirectory = process.env.BENCH_CPU_PROF; // write a --cpu-prof of each server process there
// PostgreSQL and Redis as given, else the local ones when they answer (so `npm run bench:realtime`
// alone measures the deployed shape); without PostgreSQL the single-node runs use PGlite.
const adminUrl = await reachable(process.env.DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const redisUrl = await reachable(process.env.REDIS_URL ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');

/** The URL if its host:port accepts a TCP connection within a second, else undefined. */
async function reachable(url: string): Promise<string | undefined> {
  const { hostname, port, protocol } = new URL(url);
  const fallback = protocol.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || fallback), timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(url);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', () => resolve(undefined));
  });
}

type Memory = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
interface ServerNode {
  port: number;
  pid: number | undefined;
  memory(): Promise<Memory>;
  /** User + system CPU time of the server process so far, in microseconds. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

function forkReady(file: string, environment: Record<string, string>, execArgv: string[]): Promise<ChildProcess> {
  const child = fork(path.join(root, file), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onReady = (message: unknown) => {
      if (!(message as { ready?: boolean }).ready) return;
      child.off('message', onReady);
      child.off('exit', onExit);
      resolve(child);
    };
    const onExit = (code: number | null) => reject(new Error(`${file} exited with ${code}`));
    child.on('message', onReady);
    child.once('exit', onExit);
  });
}

function ask<T>(child: ChildProcess, message: unknown, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: unknown) => {
      if (typeof reply === 'object' && reply !== null && key in reply) {
        child.off('message', listener);
        resolve((reply as Record<string, T>)[key]!);
      }
    };
    child.on('message', listener);
    child.send(message as never);
  });
}

async function startServer(mode: 'domus' | 'socketio', environment: Record<string, string>): Promise<ServerNode> {
  const port = await freePort();
  const profile = profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`] : [];
  const child = await forkReady('bench/realtime/server.ts', {
    BENCH_MODE: mode, PORT: String(port), NODE_ENV: 'production', REALTIME_FRAMES_PER_SECOND: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...environment,
  }, ['--expose-gc', '--max-old-space-size=2048', ...profile, ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])]);
  return {
    port,
    pid: child.pid,
    memory: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as Memory));
        child.send('memory');
      }),
    cpu: async () => {
      const usage = await ask<{ user: number; system: number }>(child, 'cpu', 'cpu');
      return usage.user + usage.system;
    },
    stop: async () => {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      if (profileDirectory) child.send('exit');
      else child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The load processes, each holding whole rooms. */
async function startLoad(mode: 'domus' | 'socketio', assignments: RoomAssignment[], server: ServerNode) {
  const count = Math.max(1, Math.min(loadProcesses, assignments.length));
  const shares = Array.from({ length: count }, (_, index) => assignments.filter((_, room) => room % count === index));
  const children = await Promise.all(shares.map(() => forkReady('bench/realtime/load.ts', {}, ['--max-old-space-size=2048'])));
  // LOAD_NICE > 0 lets the clients yield to the server under test (the same for both systems).
  // Off by default: with other work on the machine, niced clients starve and their lag is measured.
  for (const child of children) if (loadNice > 0 && child.pid) setPriority(child.pid, loadNice);
  const connected = await Promise.all(children.map((child, index) => ask<number>(child, { cmd: 'connect', mode, rooms: shares[index]! } satisfies LoadCommand, 'connected')));
  return {
    connections: connected.reduce((sum, value) => sum + value, 0),
    /** One level: `deliveredPerSecond` offered in total, split over the processes by their rooms. */
    drive: async (level: number, deliveredPerSecond: number) => {
      const sendsPerSecond = deliveredPerSecond / perRoom;
      const loadPids = children.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
      const sampleBefore = await sampleCpu(server.pid, loadPids);
      const startedAt = performance.now();
      const cpuBefore = await server.cpu();
      const results = await Promise.all(
        children.map((child, index) =>
          ask<DriveResult>(child, { cmd: 'drive', level, sendsPerSecond: (sendsPerSecond * shares[index]!.length) / assignments.length, seconds, drainMs } satisfies LoadCommand, 'driven'),
        ),
      );
      const cpuMicroseconds = (await server.cpu()) - cpuBefore;
      const sampleAfter = await sampleCpu(server.pid, loadPids);
      const elapsedSeconds = (performance.now() - startedAt) / 1000;
      const delivered = results.reduce((sum, result) => sum + result.delivered, 0);
      return { ...summarise(deliveredPerSecond, results, cpuMicroseconds), cpu: cpuAccounting(sampleBefore, sampleAfter, delivered, elapsedSeconds) };
    },
    close: async () => {
      await Promise.all(children.map((child) => ask(child, { cmd: 'close' } satisfies LoadCommand, 'closed')));
    },
  };
}

function merge(histograms: Histogram[]): Histogram {
  const counts = new Map<number, number>();
  for (const histogram of histograms) for (const [bucket, count] of histogram.buckets) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
  return { buckets: [...counts.entries()].sort((a, b) => a[0] - b[0]), count: histograms.reduce((sum, histogram) => sum + histogram.count, 0) };
}

/** The bucket's upper edge (0.05 ms resolution below 1 s). */
function percentile(histogram: Histogram, p: number): number | null {
  if (histogram.count === 0) return null;
  const rank = Math.ceil((p / 100) * histogram.count);
  let seen = 0;
  for (const [bucket, count] of histogram.buckets) {
    seen += count;
    if (seen >= rank) return Number(bucketUpper(bucket).toFixed(2));
  }
  return null;
}

function summarise(offered: number, results: DriveResult[], cpuMicroseconds: number) {
  const sent = results.reduce((sum, result) => sum + result.sent, 0);
  const window = Math.max(...results.map((result) => result.sendWindowSeconds));
  const delivered = results.reduce((sum, result) => sum + result.delivered, 0);
  const expected = results.reduce((sum, result) => sum + result.expected, 0);
  const same = merge(results.map((result) => result.sameNode));
  const cross = merge(results.map((result) => result.crossNode));
  const all = merge([same, cross]);
  const p99 = percentile(all, 99);
  const complete = delivered >= expected;
  return {
    offered,
    sentPerSecond: Math.round(sent / window),
    deliveredPerSecond: Math.round(delivered / window),
    deliveredShare: Number((delivered / Math.max(1, expected)).toFixed(4)),
    p50: percentile(all, 50),
    p99,
    ...(cross.count > 0 ? { crossP50: percentile(cross, 50), crossP99: percentile(cross, 99) } : {}),
    acked: results.reduce((sum, result) => sum + result.acked, 0),
    /** The server process's CPU time per delivered message (node 0's; the database's is not in it). */
    serverCpuMicrosecondsPerDelivered: Number((cpuMicroseconds / Math.max(1, delivered)).toFixed(2)),
    serverCpuShare: Number((cpuMicroseconds / 1e6 / window).toFixed(2)),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    passed: complete && p99 !== null && p99 < p99Target,
  };
}
type Level = ReturnType<typeof summarise> & { cpu: ReturnType<typeof cpuAccounting>; attempt?: number };

/**
 * Runs the ramp until a level fails twice in a row: a failed level is run once more, so that one
 * burst of other work on the shared machine does not end a system's ramp (the same for both).
 */
async function ramp(name: string, drive: (level: number, rate: number) => Promise<Level>, levels: number[]): Promise<Level[]> {
  const runs: Level[] = [];
  let attempt = 0;
  for (let index = 0; index < levels.length; ) {
    const rate = levels[index]!;
    const run = { ...(await drive(attempt * levels.length + index, rate)), attempt: attempt + 1 };
    const µs = run.cpu.microsecondsPerDelivered;
    console.log(`${name}: offered ${rate} delivered/s -> ${run.deliveredPerSecond} delivered/s (${(run.deliveredShare * 100).toFixed(2)}%), p50 ${run.p50} ms, p99 ${run.p99} ms, server CPU ${run.serverCpuMicrosecondsPerDelivered} µs/msg (${run.serverCpuShare} cores); µs/msg server ${µs.server} (sys ${µs.serverSystem}) load ${µs.load} (sys ${µs.loadSystem}) postgres ${µs.postgres} redis ${µs.redis} = ${µs.scenarioTotal} (+ other ${µs.other}; machine ${run.cpu.cores.machineBusy}/${run.cpu.cores.machineTotal} cores) ${run.passed ? 'PASS' : 'FAIL'}`);
    runs.push(run);
    if (run.passed || process.env.BENCH_NO_STOP === '1') {
      index += 1;
      attempt = 0;
    } else if (attempt < retries) attempt += 1;
    else break;
  }
  return runs;
}

async function freshDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  if (!adminUrl) return { drop: async () => undefined };
  return createThrowawayDatabase(adminUrl, 'domus_bench_rt');
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

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
  const nodes: ServerNode[] = [await startServer('domus', { ...shared, DATA_DIR: path.join(work, 'n0'), BENCH_SETUP_FILE: setupFile })];
  for (let index = 1; index < nodeCount; index += 1) nodes.push(await startServer('domus', { ...shared, DATA_DIR: path.join(work, `n${index}`) }));
  const scene = JSON.parse(await readFile(setupFile, 'utf8')) as { room: string; cookies: string[] }[];
  const before = await nodes[0]!.memory();
  // Member m of a room connects to node m % nodeCount; the sender (member 0) is on node 0.
  const assignments: RoomAssignment[] = scene.map((entry) => ({
    room: entry.room,
    members: entry.cookies.map((cookie, member) => ({ port: nodes[member % nodeCount]!.port, node: member % nodeCount, cookie })),
  }));
  const load = await startLoad('domus', assignments, nodes[0]!);
  await settle();
  const after = await nodes[0]!.memory();
  const connectionsOnNode0 = assignments.reduce((sum, entry) => sum + entry.members.filter((member) => member.node === 0).length, 0);
  const runs = await ramp(`domus x${nodeCount}`, load.drive, levels);
  await load.close();
  for (const node of nodes) await node.stop();
  await database.drop();
  await rm(work, { recursive: true, force: true });
  return {
    nodes: nodeCount,
    connections: load.connections,
    rooms: scene.length,
    database: database.url ? 'postgres' : 'pglite',
    idleBytesPerConnection: Math.round((after.rss - before.rss) / connectionsOnNode0),
    idleHeapBytesPerConnection: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / connectionsOnNode0),
    runs,
  };
}

async function runSocketIo(levels: number[]) {
  const node = await startServer('socketio', {});
  const before = await node.memory();
  const assignments: RoomAssignment[] = Array.from({ length: rooms }, (_, room) => ({
    room: `room-${room}`,
    members: Array.from({ length: perRoom }, () => ({ port: node.port, node: 0 })),
  }));
  const load = await startLoad('socketio', assignments, node);
  await settle();
  const after = await node.memory();
  const runs = await ramp('socket.io', load.drive, levels);
  await load.close();
  await node.stop();
  return {
    connections: load.connections,
    rooms,
    idleBytesPerConnection: Math.round((after.rss - before.rss) / load.connections),
    idleHeapBytesPerConnection: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / load.connections),
    runs,
  };
}

const conditions = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  loadProcesses,
  note: 'Servers, load processes, PostgreSQL and Redis share this machine; absolute figures drift with other work on it. Compare the ratio.',
};
if (profileDirectory) await mkdir(profileDirectory, { recursive: true });
console.log(`realtime bench: ${rooms} rooms x ${perRoom} members, ramp ${rates.join(', ')} delivered msg/s, ${seconds}s each, ${loadProcesses} load processes`);
const started = Date.now();
const domusOne = systems.includes('domus') ? await runDomus(1, rooms, rates) : null;
const socketIo = systems.includes('socketio') ? await runSocketIo(rates) : null;
const multi = [];
if (systems.includes('multi') && adminUrl && redisUrl) {
  const crossRooms = Number(process.env.CROSS_ROOMS ?? 100);
  const crossRate = Number(process.env.CROSS_RATE ?? 10000);
  for (const nodeCount of [2, 3]) multi.push(await runDomus(nodeCount, crossRooms, [crossRate]));
} else if (systems.includes('multi')) console.log('multi-node runs skipped: no PostgreSQL or no Redis (DATABASE_URL, REDIS_URL)');

/** The highest level delivered in full with p99 under the target. */
const maximum = (runs: Level[] | undefined) => {
  const passing = (runs ?? []).filter((run) => run.passed);
  return passing.length === 0 ? null : passing.at(-1)!;
};
/**
 * CPU per delivered message by component, for both systems at every offered level both ran (their
 * first attempt), and the throughput ratio the CPU alone would allow on the shared cores: the
 * ratio of the totals (server + load processes + PostgreSQL + Redis) — Domus's throughput could be
 * 1.5x Socket.IO's only if its total were at most two thirds of Socket.IO's.
 */
function cpuComparison(domusRuns: Level[] | undefined, socketIoRuns: Level[] | undefined) {
  const firstAt = (runs: Level[] | undefined, offered: number) => runs?.find((run) => run.offered === offered);
  return rates.flatMap((offered) => {
    const domus = firstAt(domusRuns, offered);
    const socketIo = firstAt(socketIoRuns, offered);
    if (!domus || !socketIo) return [];
    const d = domus.cpu.microsecondsPerDelivered;
    const o = socketIo.cpu.microsecondsPerDelivered;
    return [{ offered, domus: d, socketIo: o, cpuBoundRatio: Number((o.scenarioTotal / Math.max(0.01, d.scenarioTotal)).toFixed(2)) }];
  });
}
const domusMax = maximum(domusOne?.runs);
const socketIoMax = maximum(socketIo?.runs);
const summary = {
  domusMaxDeliveredPerSecond: domusMax?.deliveredPerSecond ?? 0,
  domusP99AtMax: domusMax?.p99 ?? null,
  domusRampTopped: domusMax ? domusMax.offered === rates.at(-1) : false,
  socketIoMaxDeliveredPerSecond: socketIoMax?.deliveredPerSecond ?? 0,
  socketIoP99AtMax: socketIoMax?.p99 ?? null,
  socketIoRampTopped: socketIoMax ? socketIoMax.offered === rates.at(-1) : false,
  throughputRatio: domusMax && socketIoMax ? Number((domusMax.deliveredPerSecond / socketIoMax.deliveredPerSecond).toFixed(2)) : null,
  domusIdleKiBPerConnection: domusOne ? Number((domusOne.idleHeapBytesPerConnection / 1024).toFixed(1)) : null,
  socketIoIdleKiBPerConnection: socketIo ? Number((socketIo.idleHeapBytesPerConnection / 1024).toFixed(1)) : null,
  cpuPerDeliveredMessage: cpuComparison(domusOne?.runs, socketIo?.runs),
  crossNode: multi.map((result) => ({ nodes: result.nodes, p50: result.runs.at(-1)!.crossP50, p99: result.runs.at(-1)!.crossP99, deliveredPerSecond: result.runs.at(-1)!.deliveredPerSecond, passed: result.runs.at(-1)!.passed })),
  targets: {
    p99Under100msAt50k: domusMax ? domusMax.deliveredPerSecond >= 50_000 : false,
    atLeast1_5xSocketIo: domusMax && socketIoMax ? domusMax.deliveredPerSecond >= 1.5 * socketIoMax.deliveredPerSecond : false,
    under20KiBPerIdleConnection: domusOne ? domusOne.idleHeapBytesPerConnection < 20 * 1024 : false,
  },
  seconds: Math.round((Date.now() - started) / 1000),
  conditions: { ...conditions, loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))) },
};
console.table([summary].map(({ conditions: _c, crossNode: _n, targets: _t, cpuPerDeliveredMessage: _p, ...rest }) => rest));
console.table(summary.cpuPerDeliveredMessage.map(({ offered, domus, socketIo, cpuBoundRatio }) => ({
  offered, domusServer: domus.server, domusLoad: domus.load, domusPostgres: domus.postgres, domusTotal: domus.scenarioTotal,
  socketIoServer: socketIo.server, socketIoLoad: socketIo.load, socketIoTotal: socketIo.scenarioTotal, cpuBoundRatio, otherDomus: domus.other, otherSocketIo: socketIo.other,
})));
console.table(summary.crossNode);
console.table([summary.targets]);
if (process.env.BENCH_NO_WRITE !== '1') {
  await writeFile(
    path.join(root, 'bench/results/realtime.json'),
    JSON.stringify({ scenario: { rooms, perRoom, rates, seconds, drainMs, p99TargetMs: p99Target }, summary, domus: domusOne, socketIo, multiNode: multi }, null, 2) + '\n',
  );
  console.log('wrote bench/results/realtime.json');
}
process.exit(0);
