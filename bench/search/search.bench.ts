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
import { seededRandom } from '../../src/platform/random';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const listings = argument('listings', 100_000);
const duration = argument('duration', 15);
const connections = argument('connections', 10);
const postgresAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Typical searches: a city-district-sized map box around one of the synthetic data's cities, with
 * the filters people use most. The benchmark draws 4,000 DISTINCT queries from a seeded generator
 * and cycles through them across all connections, so that the search service's two-second
 * micro-cache of identical answers almost never hits: the figures measure real query work.
 */
const cityCentres: [string, number, number][] = [
  ['Amsterdam', 52.37, 4.89], ['Rotterdam', 51.92, 4.48], ['Utrecht', 52.09, 5.12], ['Berlin', 52.52, 13.40],
  ['Hamburg', 53.55, 9.99], ['Paris', 48.86, 2.35], ['Lyon', 45.76, 4.84], ['Madrid', 40.42, -3.70],
  ['Barcelona', 41.39, 2.17], ['Lisbon', 38.72, -9.14], ['Milan', 45.46, 9.19], ['Vienna', 48.21, 16.37],
];

function typicalQueries(count: number): string[] {
  const random = seededRandom(20261129);
  const queries = new Set<string>();
  while (queries.size < count) {
    const [, latitude, longitude] = random.pick(cityCentres);
    const halfHeight = 0.02 + random.next() * 0.05;
    const halfWidth = halfHeight * 1.6;
    const centreLatitude = latitude + random.normal(0, 0.02);
    const centreLongitude = longitude + random.normal(0, 0.03);
    const parameters = new URLSearchParams({
      bbox: [centreLongitude - halfWidth, centreLatitude - halfHeight, centreLongitude + halfWidth, centreLatitude + halfHeight]
        .map((value) => value.toFixed(4))
        .join(','),
    });
    const kind = random.pick(['sale', 'sale', 'rent', '']);
    if (kind) parameters.set('kind', kind);
    if (random.chance(0.5)) parameters.set('minBedrooms', String(random.int(1, 3)));
    if (random.chance(0.3)) parameters.set('propertyType', random.pick(['apartment', 'house', 'apartment,house', 'townhouse,house']));
    if (random.chance(0.4)) parameters.set('maxPrice', String(kind === 'rent' ? random.int(10, 40) * 10_000 : random.int(30, 150) * 1_000_000));
    if (random.chance(0.25)) parameters.set('minArea', String(random.int(4, 12) * 10));
    parameters.set('sort', random.pick(['newest', 'newest', 'price_asc', 'price_desc']));
    parameters.set('limit', '20');
    queries.add(parameters.toString());
  }
  return [...queries];
}
const queryPool = typicalQueries(4000);

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
  let next = 0;
  const options = {
    url: baseUrl,
    connections,
    duration,
    requests: [
      {
        method: 'GET' as const,
        // One shared counter across connections: consecutive requests ask different questions.
        setupRequest: (request: { path?: string }) => {
          request.path = paths[next % paths.length] as string;
          next += 1;
          return request;
        },
      },
    ],
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

/** Every query must succeed; returns the distribution of result counts over a sample. */
async function verifyQueriesReturnResults(baseUrl: string): Promise<{ sampled: number; empty: number; meanItems: number }> {
  let empty = 0;
  let total = 0;
  const sample = queryPool.slice(0, 200);
  for (const query of sample) {
    const response = await fetch(`${baseUrl}/api/v1/listings?${query}`);
    if (!response.ok) throw new Error(`query failed (${response.status}): ${query}\n${await response.text()}`);
    const items = ((await response.json()) as { items: unknown[] }).items.length;
    total += items;
    if (items === 0) empty += 1;
  }
  return { sampled: sample.length, empty, meanItems: Number((total / sample.length).toFixed(1)) };
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
      console.log(`[${name}] results over a sample of queries: ${JSON.stringify(resultsPerQuery)}`);
      console.log(`[${name}] search: ${duration}s at ${connections} connections...`);
      const search = await load(`http://127.0.0.1:${port}`, queryPool.map((query) => `/api/v1/listings?${query}`));
      // A second, clearly separate scenario: six popular searches asked over and over (a home page's
      // default query, say), which the service's two-second micro-cache answers from memory.
      console.log(`[${name}] popular searches (6 queries, micro-cache)...`);
      const popular = await load(`http://127.0.0.1:${port}`, queryPool.slice(0, 6).map((query) => `/api/v1/listings?${query}`));
      console.log(`[${name}] trivial route...`);
      const baseline = await load(`http://127.0.0.1:${trivialPort}`, ['/trivial']);
      return {
        backend: name,
        listings,
        loadSeconds,
        resultsPerQuery,
        search,
        popular,
        trivial: baseline,
        popularThroughputRatio: Number((popular.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)),
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

const table = results.flatMap((result) => {
  const trivial = result.trivial as Measurement;
  return (['search', 'popular'] as const).map((scenario) => {
    const measured = result[scenario] as Measurement;
    return {
      backend: result.backend,
      scenario: scenario === 'search' ? '4,000 distinct searches' : '6 popular searches (cached)',
      'req/s': measured.requestsPerSecond,
      'p50 ms': measured.p50Ms,
      'p99 ms': measured.p99Ms,
      'trivial req/s': trivial.requestsPerSecond,
      'trivial p99 ms': trivial.p99Ms,
      'throughput ratio': Number((measured.requestsPerSecond / trivial.requestsPerSecond).toFixed(3)),
      'errors/non-2xx': `${measured.errors}/${measured.non2xx}`,
    };
  });
});
console.table(table);
const postgres = results.find((result) => result.backend === 'postgres');
const targets = postgres
  ? {
      'p99 < 50 ms on PostgreSQL (distinct searches)': (postgres.search as Measurement).p99Ms < 50,
      'throughput >= 25% of trivial on PostgreSQL (distinct searches)': (postgres.throughputRatio as number) >= 0.25,
      'throughput >= 25% of trivial on PostgreSQL (popular, cached)': (postgres.popularThroughputRatio as number) >= 0.25,
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
      settings: { listings, durationSeconds: duration, connections, distinctQueries: queryPool.length, exampleQueries: queryPool.slice(0, 5) },
      results,
      targets,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/search.json');
