/**
 * bench/auth: what the policy gateway costs. One HTTP server (the platform stack: helmet headers,
 * request ids, metrics, problem+json) serves the SAME handler — read one listing — twice:
 *   - gated:   under /api, through the full gateway: session lookup (identity, device binding),
 *              the route's policy (tenant standing from the query's organization, viewer role),
 *              and a risk re-assessment (the route is `sensitive`), exactly as app.ts wires it,
 *              with identity's and the risk engine's per-node caches as in production;
 *   - ungated: outside /api, no authentication, no policy, no risk;
 *   - uncached: the full gateway again, on a second server whose modules have the caches turned
 *              off (AUTH_CACHE_TTL_SECONDS=0): every request reads the database, as before them.
 * Both measured in the same run, alternating, against PostgreSQL when reachable (PGlite
 * otherwise). Writes bench/results/auth.json. Not part of `npm test`.
 *
 *   npx tsx bench/auth/auth.bench.ts [--duration 10] [--connections 10] [--rounds 2]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createDomus, type Domus } from '../../src/app';
import { roleRank, sessionCookieName } from '../../src/modules/identity';
import { testConfig } from '../../src/platform/config';
import { createHttpServer } from '../../src/platform/http';
import { newId } from '../../src/platform/ids';
import { PolicyGateway } from '../../src/platform/policy';
import { createThrowawayDatabase } from '../../test/support/throwaway-database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const duration = argument('duration', 10);
const connections = argument('connections', 10);
const rounds = argument('rounds', 2);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  try {
    return await createThrowawayDatabase(adminUrl, 'domus_bench_auth', { connectionTimeoutMillis: 2_000 });
  } catch {
    return null; // no PostgreSQL here: the bench runs on PGlite
  }
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** CPU time of this process (server and load generator) per request: steadier than req/s on a shared machine. */
  cpuMicrosPerRequest: number;
}

async function measure(url: string, headers: Record<string, string>): Promise<Figures> {
  const before = process.cpuUsage();
  const result = await autocannon({ url, headers, connections, duration });
  const cpu = process.cpuUsage(before);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, result.requests.total)),
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'domus-bench-auth-'));
  const database = await postgresDatabase();
  const config = testConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...(database ? { DATABASE_URL: database.url } : {}) });
  const domus = await createDomus({ ...config, NODE_ENV: 'production' as never });
  const closeLater: Array<() => Promise<void>> = [];
  try {
    // A member with an organization and one listing, made through the API like any client.
    const signup = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: `bench-${newId().slice(-8)}@example.test`, password: 'correct horse battery staple', displayName: 'Bench' } });
    const cookie = signup.cookies.map((item) => `${item.name}=${item.value}`).join('; ');
    if (!signup.cookies.some((item) => item.name === sessionCookieName)) throw new Error(`sign-up failed: ${signup.body}`);
    const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) => domus.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload: payload as object } : {}) });
    const organizationId = (await inject('POST', '/api/v1/organizations', { name: 'Bench Agency' })).json().id as string;
    const property = (await inject('POST', '/api/v1/properties', { organizationId, address: 'Keizersgracht 1', city: 'Amsterdam', country: 'NL', propertyType: 'apartment', latitude: 52.37, longitude: 4.88 })).json();
    const listing = (await inject('POST', '/api/v1/listings', { propertyId: property.id, kind: 'sale', title: 'Bench listing', description: '', askingPrice: { amountMinor: 50_000_000, currency: 'EUR' } })).json();
    if (!listing.id) throw new Error(`listing setup failed: ${JSON.stringify(listing)}`);
    await inject('POST', `/api/v1/listings/${listing.id}/status`, { status: 'active' });

    // The measured servers: the platform stack with the gateway wired exactly as app.ts does; the
    // second one's modules come from a Domus over the same database with the caches turned off
    // (AUTH_CACHE_TTL_SECONDS=0): every lookup reads the database, as before the caches.
    const uncachedDomus = await createDomus(
      { ...config, AUTH_CACHE_TTL_SECONDS: 0, NODE_ENV: 'production' as never },
      { database: domus.platform.database, secrets: domus.platform.secrets },
    );
    closeLater.push(() => uncachedDomus.close());
    const serve = async (source: Domus) => {
      const { app } = await createHttpServer({ config: source.platform.config, logger: source.platform.logger });
      const { identity, listings, security } = source.modules;
      const gateway = new PolicyGateway({
        clock: source.platform.clock,
        secrets: source.platform.secrets,
        audit: source.platform.audit,
        logger: source.platform.logger,
        standing: (auth, id) => identity.access.standing(auth, id),
        roleRank,
        apiKeyMaxRole: 'agent',
        risk: security.riskAssessor,
        stepUpMethods: security.stepUpMethods,
        sessionCookieName,
      });
      gateway.install(app, async (request, reply) => {
        request.auth = await gateway.authenticate(request, reply, identity.authenticate);
      });
      const handler = async () => listings.service.getListing(null, listing.id as string);
      app.get('/api/v1/bench/listing', {
        config: { policy: { access: 'authenticated', tenant: { query: 'organizationId' }, role: 'viewer', sensitive: true, ownership: 'bench: members of ?organizationId' } },
      }, handler);
      app.get('/api/v1/bench/listing-without-risk', {
        config: { policy: { access: 'authenticated', tenant: { query: 'organizationId' }, role: 'viewer', ownership: 'bench: members of ?organizationId' } },
      }, handler);
      app.get('/bench/listing', handler);
      await app.listen({ host: '127.0.0.1', port: 0 });
      closeLater.unshift(() => app.close());
      return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    };
    const base = await serve(domus);
    const uncachedBase = await serve(uncachedDomus);
    const gatedUrl = `${base}/api/v1/bench/listing?organizationId=${organizationId}`;
    const ungatedUrl = `${base}/bench/listing?organizationId=${organizationId}`;
    const noRiskUrl = `${base}/api/v1/bench/listing-without-risk?organizationId=${organizationId}`;
    const uncachedUrl = `${uncachedBase}/api/v1/bench/listing?organizationId=${organizationId}`;
    for (const url of [gatedUrl, ungatedUrl, noRiskUrl, uncachedUrl]) {
      const check = await fetch(url, { headers: { cookie } });
      if (check.status !== 200) throw new Error(`${url} answered ${check.status}: ${await check.text()}`);
    }
    // Warm-up, then alternate so that drift (other processes, the JIT) hits both equally.
    await autocannon({ url: gatedUrl, headers: { cookie }, connections, duration: 3 });
    await autocannon({ url: ungatedUrl, headers: { cookie }, connections, duration: 3 });
    const gated: Figures[] = [];
    const ungated: Figures[] = [];
    const withoutRisk: Figures[] = [];
    const uncached: Figures[] = [];
    for (let round = 0; round < rounds; round += 1) {
      // The uncached route first, then a short unmeasured run: its garbage (and the collections it
      // triggers) must not land on the routes compared with each other.
      uncached.push(await measure(uncachedUrl, { cookie }));
      await autocannon({ url: ungatedUrl, headers: { cookie }, connections, duration: 2 });
      gated.push(await measure(gatedUrl, { cookie }));
      ungated.push(await measure(ungatedUrl, { cookie }));
      withoutRisk.push(await measure(noRiskUrl, { cookie }));
    }
    for (const close of closeLater.splice(0)) await close();
    const best = (runs: Figures[]) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const g = best(gated);
    const u = best(ungated);
    const n = best(withoutRisk);
    const c = best(uncached);
    const result = {
      benchmark: 'auth',
      description: 'GET one listing through the full policy gateway (session lookup + policy with tenant standing + risk re-assessment) vs the same handler without it, same server, same run; gatedWithoutRisk is the gateway on a non-sensitive route (no risk re-assessment). One session, so after the first request the per-node caches of the gateway (sessions, roles, risk profiles; AUTH_CACHE_TTL_SECONDS) answer every lookup, as they do for any session making more than one request per lifetime. cpuMicrosPerRequest is the CPU of the whole process (server and autocannon) per request; cpuCost compares it gated vs ungated. gatedUncached is the full gateway with the caches turned off (AUTH_CACHE_TTL_SECONDS=0, another Domus over the same database): what a request costs when its session, role and risk profile miss the cache',
      database: domus.platform.database.kind,
      connections,
      durationSeconds: duration,
      rounds,
      machine: { cpus: cpus().length, node: process.version },
      gated: g,
      ungated: u,
      gatedWithoutRisk: n,
      gatedUncached: c,
      allRuns: { gated, ungated, withoutRisk, uncached },
      loadAverage: (await import('node:os')).loadavg().map((value) => Number(value.toFixed(1))),
      throughputCost: Number((1 - g.requestsPerSecond / u.requestsPerSecond).toFixed(3)),
      cpuCost: Number((g.cpuMicrosPerRequest / u.cpuMicrosPerRequest - 1).toFixed(3)),
      p99AddedMs: Number((g.p99Ms - u.p99Ms).toFixed(2)),
      targets: { throughputCost: 0.15, p99AddedMs: 2 },
      measuredAt: new Date().toISOString(),
    };
    console.log('\nroute              req/s    p50 ms   p99 ms   non-2xx   CPU µs/req');
    for (const [name, figures] of [['ungated', u], ['gateway, no risk', n], ['gateway + risk', g], ['same, caches off', c]] as const) {
      console.log(`${name.padEnd(18)} ${String(figures.requestsPerSecond).padStart(6)} ${String(figures.p50Ms).padStart(8)} ${String(figures.p99Ms).padStart(8)} ${String(figures.non2xx).padStart(9)} ${String(figures.cpuMicrosPerRequest).padStart(12)}`);
    }
    console.log(`gateway cost: ${(result.throughputCost * 100).toFixed(1)}% of throughput, +${result.p99AddedMs} ms at p99 (targets: <15%, <2 ms); +${(result.cpuCost * 100).toFixed(1)}% CPU per request`);
    await writeFile(path.join(root, 'bench', 'results', 'auth.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const close of closeLater) await close().catch(() => undefined);
    await domus.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
