/**
 * bench/search: GET /api/v1/listings with a typical filter + bounding-box query at 100,000
 * listings, against a trivial Fastify route in the same run, on PGlite and (when reachable) on
 * PostgreSQL. Writes bench/results/search.json. Not part of `npm test`.
 *
 *   npx tsx bench/search/search.bench.ts [--listings 100000] [--duration 15] [--connections 10]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const listings = argument('listings', 100_000);
const duration = argument('duration', 15);
const connections = argument('connections', 10);
const postgresAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** City-sized boxes around the synthetic data's cities, with common filters, rotated per request. */
const typicalQueries = [
  'bbox=4.80,52.33,4.98,52.42&kind=sale&propertyType=apartment,house&minBedrooms=2&maxPrice=90000000&sort=newest&limit=20',
  'bbox=13.30,52.47,13.48,52.56&kind=sale&minBedrooms=2&minArea=60&sort=price_asc&limit=20',
  'bbox=2.27,48.82,2.41,48.90&kind=rent&maxPrice=350000&sort=newest&limit=20',
  'bbox=-3.75,40.38,-3.63,40.46&minBedrooms=3&sort=price_desc&limit=20',
  'bbox=4.42,51.88,4.55,51.95&kind=sale&propertyType=house&sort=newest&limit=20',
  'bbox=9.12,45.43,9.25,45.50&kind=sale&minArea=50&maxPrice=150000000&sort=newest&limit=20',
];

function run(command: string, args: string[], environment: Record<string, string | undefined>): void {
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...environment }, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with ${result.status}`);
}

async function startProcess(args: string[], environment: Record<string, string | undefined>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    try {
      if ((await fetch(readyUrl)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not become ready`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
}

async function load(baseUrl: string, paths: string[]): Promise<Measurement> {
  const options = {
    url: baseUrl,
    connections,
    duration,
    requests: paths.map((requestPath) => ({ method: 'GET' as const, path: requestPath })),
  };
  // Warm caches, JIT and connection pools first; only the second run counts.
  await autocannon({ ...options, duration: Math.min(5, duration) });
  const result = await autocannon(options);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

async function verifyQueriesReturnResults(baseUrl: string): Promise<number[]> {
  const counts: number[] = [];
  for (const query of typicalQueries) {
    const response = await fetch(`${baseUrl}/api/v1/listings?${query}`);
    if (!response.ok) throw new Error(`query failed (${response.status}): ${query}\n${await response.text()}`);
    counts.push(((await response.json()) as { items: unknown[] }).items.length);
  }
  return counts;
}

async function benchBackend(name: 'pglite' | 'postgres'): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `domus-bench-${name}-`));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (name === 'postgres') {
    const database = `domus_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const cleaner = new pg.Client({ connectionString: postgresAdminUrl });
      await cleaner.connect();
      await cleaner.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleaner.end();
    };
  }
  const environment = {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: undefined,
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'false',
    NODE_ENV: 'production',
  };
  try {
    const loadStarted = Date.now();
    console.log(`[${name}] generating ${listings.toLocaleString('en')} synthetic listings...`);
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'seed', '--listings', String(listings), '--photos', '0'], environment);
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    const port = 3900 + (name === 'postgres' ? 1 : 0);
    const server = await startProcess(['src/main.ts'], { ...environment, PORT: String(port), HOST: '127.0.0.1' }, `http://127.0.0.1:${port}/ready`);
    const trivialPort = 3950;
    const trivial = await startProcess(['bench/search/trivial-server.ts'], { PORT: String(trivialPort) }, `http://127.0.0.1:${trivialPort}/trivial`);
    try {
      const resultsPerQuery = await verifyQueriesReturnResults(`http://127.0.0.1:${port}`);
      console.log(`[${name}] results per typical query: ${resultsPerQuery.join(', ')}`);
      console.log(`[${name}] search: ${duration}s at ${connections} connections...`);
      const search = await load(`http://127.0.0.1:${port}`, typicalQueries.map((query) => `/api/v1/listings?${query}`));
      console.log(`[${name}] trivial route...`);
      const baseline = await load(`http://127.0.0.1:${trivialPort}`, ['/trivial']);
      return {
        backend: name,
        listings,
        loadSeconds,
        resultsPerQuery,
        search,
        trivial: baseline,
        throughputRatio: Number((search.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)),
        p99Ratio: Number((search.p99Ms / Math.max(baseline.p99Ms, 1)).toFixed(2)),
      };
    } finally {
      await stop(server);
      await stop(trivial);
    }
  } finally {
    await dropDatabase().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const results: Record<string, unknown>[] = [];
results.push(await benchBackend('pglite'));
if (await postgresReachable()) results.push(await benchBackend('postgres'));
else console.log(`PostgreSQL not reachable at ${postgresAdminUrl}: skipping that backend.`);

const table = results.map((result) => {
  const search = result.search as Measurement;
  const trivial = result.trivial as Measurement;
  return {
    backend: result.backend,
    'search req/s': search.requestsPerSecond,
    'search p50 ms': search.p50Ms,
    'search p99 ms': search.p99Ms,
    'trivial req/s': trivial.requestsPerSecond,
    'trivial p50 ms': trivial.p50Ms,
    'trivial p99 ms': trivial.p99Ms,
    'throughput ratio': result.throughputRatio,
    'errors/non-2xx': `${search.errors}/${search.non2xx}`,
  };
});
console.table(table);
const postgres = results.find((result) => result.backend === 'postgres');
const targets = postgres
  ? {
      'p99 < 50 ms on PostgreSQL': (postgres.search as Measurement).p99Ms < 50,
      'throughput >= 25% of trivial on PostgreSQL': (postgres.throughputRatio as number) >= 0.25,
    }
  : { note: 'PostgreSQL was not reachable; targets not evaluated' };
console.log('targets:', targets);
await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
await writeFile(
  path.join(root, 'bench', 'results', 'search.json'),
  JSON.stringify(
    {
      benchmark: 'search',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { listings, durationSeconds: duration, connections, queries: typicalQueries },
      results,
      targets,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/search.json');
