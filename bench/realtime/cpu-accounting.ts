/**
 * CPU accounting of one benchmark level from /proc (Linux): the CPU time of the server process,
 * the load processes, every PostgreSQL process (backends, WAL writer, checkpointer…), Redis, and
 * the whole machine, between two samples. The kernel's loopback work is charged to the process
 * that does the write or read (this kernel has no IRQ time accounting), so these add up to what
 * the scenario costs on the shared cores. Elsewhere than Linux every figure is null.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on every Linux this runs on). */
const ticksPerSecond = 100;

export interface CpuSample {
  /** CPU time in microseconds by component, and the machine's busy and total time. */
  server: number;
  /** The kernel's share of the server's and the load processes' time (system time). */
  serverSystem: number;
  load: number;
  loadSystem: number;
  /** Filled in by cpuAccounting() from `byPid` (0 in a raw sample). */
  postgres: number;
  redis: number;
  /** Time of each PostgreSQL / Redis process by pid, so a process that ends or starts between two samples does not skew the difference. */
  byPid: Map<number, { name: string; ticks: number }>;
  machineBusy: number;
  machineTotal: number;
}

/** User and system ticks of one process. */
async function processTicks(pid: number): Promise<{ user: number; system: number }> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** Ticks of every process whose command name is one of `names` (postgres backends keep "postgres"), by pid. */
async function ticksByName(names: string[]): Promise<Map<number, { name: string; ticks: number }>> {
  const found = new Map<number, { name: string; ticks: number }>();
  let entries: string[] = [];
  try {
    entries = await readdir('/proc');
  } catch {
    return found;
  }
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (!names.includes(name)) return;
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          found.set(Number(entry), { name, ticks: Number(fields[11]) + Number(fields[12]) });
        } catch {
          // the process ended between the listing and the read
        }
      }),
  );
  return found;
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = values[3]! + values[4]!;
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export async function sampleCpu(serverPid: number | undefined, loadPids: number[]): Promise<CpuSample> {
  const [server, load, named, machine] = await Promise.all([
    serverPid === undefined ? { user: 0, system: 0 } : processTicks(serverPid),
    Promise.all(loadPids.map(processTicks)).then((ticks) => ({ user: ticks.reduce((sum, value) => sum + value.user, 0), system: ticks.reduce((sum, value) => sum + value.system, 0) })),
    ticksByName(['postgres', 'redis-server']),
    machineTicks(),
  ]);
  const micro = 1e6 / ticksPerSecond;
  return {
    server: (server.user + server.system) * micro,
    serverSystem: server.system * micro,
    load: (load.user + load.system) * micro,
    loadSystem: load.system * micro,
    postgres: 0,
    redis: 0,
    byPid: new Map([...named].map(([pid, entry]) => [pid, { name: entry.name, ticks: entry.ticks * micro }])),
    machineBusy: machine.busy * micro,
    machineTotal: machine.total * micro,
  };
}

/**
 * Microseconds of CPU per delivered message by component between two samples, and the cores each
 * used; `other` is the machine's busy time that none of them account for (other work, kernel threads).
 */
export function cpuAccounting(before: CpuSample, after: CpuSample, delivered: number, seconds: number) {
  // Per process: a process that ended between the samples is left out (its last ticks are unknown),
  // one that started counts from zero.
  let postgresTime = 0;
  let redisTime = 0;
  for (const [pid, entry] of after.byPid) {
    const delta = entry.ticks - (before.byPid.get(pid)?.ticks ?? 0);
    if (entry.name === 'postgres') postgresTime += delta;
    else redisTime += delta;
  }
  after = { ...after, postgres: before.postgres + postgresTime, redis: before.redis + redisTime };
  const per = (key: Exclude<keyof CpuSample, 'byPid'>) => Number(((after[key] - before[key]) / Math.max(1, delivered)).toFixed(2));
  const cores = (key: Exclude<keyof CpuSample, 'byPid'>) => Number(((after[key] - before[key]) / 1e6 / seconds).toFixed(2));
  const server = per('server');
  const load = per('load');
  const postgres = per('postgres');
  const redis = per('redis');
  const machine = per('machineBusy');
  return {
    microsecondsPerDelivered: {
      server,
      serverSystem: per('serverSystem'),
      load,
      loadSystem: per('loadSystem'),
      postgres,
      redis,
      scenarioTotal: Number((server + load + postgres + redis).toFixed(2)),
      other: Number((machine - server - load - postgres - redis).toFixed(2)),
      machine,
    },
    cores: { server: cores('server'), load: cores('load'), postgres: cores('postgres'), redis: cores('redis'), machineBusy: cores('machineBusy'), machineTotal: cores('machineTotal') },
  };
}
