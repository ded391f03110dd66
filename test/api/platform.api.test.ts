import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../support/harness';

let domus: TestDomus;
let strict: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus({ config: { CORS_ORIGINS: 'https://partner.example' } });
  strict = await createTestDomus({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '3', BODY_LIMIT_BYTES: '2048', METRICS_TOKEN: 'scrape-token-0123456789' } });
});
afterAll(async () => {
  await domus?.close();
  await strict?.close();
});

describe('operational endpoints', () => {
  it('answers liveness, readiness with the database kind, and Prometheus metrics', async () => {
    expect((await domus.app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await domus.app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().database).toBe(domus.databaseKind);
    await domus.app.inject('/api/v1/auth/me');
    const metrics = await domus.app.inject('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('domus_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/route="\/api\/v1\/auth\/me",status="401"/);
  });

  it('protects /metrics with METRICS_TOKEN when one is configured', async () => {
    expect((await strict.app.inject('/metrics')).statusCode).toBe(401);
    expect((await strict.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-000000000' } })).statusCode).toBe(401);
    const allowed = await strict.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('domus_http_request_duration_seconds');
  });

  it('reports not ready (503 problem) when the database is unreachable', async () => {
    const original = domus.platform.database.ping;
    domus.platform.database.ping = async () => {
      throw new Error('connection refused');
    };
    try {
      const ready = await domus.app.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      domus.platform.database.ping = original;
    }
  });

  it('answers 503 on /ready while the bus between the nodes is not connected', async () => {
    const bus = domus.platform.bus as { connected?: () => boolean };
    const original = bus.connected;
    bus.connected = () => false;
    try {
      const ready = await domus.app.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().detail).toMatch(/event bus/);
    } finally {
      if (original) bus.connected = original;
      else delete bus.connected;
    }
    expect((await domus.app.inject('/ready')).statusCode).toBe(200);
  });

  it('publishes an OpenAPI 3.1 document generated from the route schemas, and the reference page', async () => {
    const response = await domus.app.inject('/openapi.json');
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    const signup = document.paths['/api/v1/auth/signup'].post;
    expect(signup.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'password', 'displayName']));
    expect(Object.keys(signup.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
    const docs = await domus.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('echoes a valid x-request-id and generates one otherwise', async () => {
    const given = await domus.app.inject({ url: '/health', headers: { 'x-request-id': 'req-12345678' } });
    expect(given.headers['x-request-id']).toBe('req-12345678');
    const bogus = await domus.app.inject({ url: '/health', headers: { 'x-request-id': '<script>' } });
    expect(bogus.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]{6,}$/);
    const next = await domus.app.inject({ url: '/health' });
    expect(next.headers['x-request-id']).not.toBe(bogus.headers['x-request-id']);
  });
});

describe('security defaults', () => {
  it('sends security headers', async () => {
    const response = await domus.app.inject('/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(String(response.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('allows CORS only for configured origins', async () => {
    const allowed = await domus.app.inject({ url: '/api/v1/config/public', headers: { origin: 'https://partner.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://partner.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const other = await domus.app.inject({ url: '/api/v1/config/public', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const none = await strict.app.inject({ url: '/api/v1/config/public', headers: { origin: 'https://partner.example' } });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rate-limits the authentication endpoints per client with a problem+json 429', async () => {
    const attempt = () =>
      strict.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@example.test', password: 'nope-nope' }, remoteAddress: '10.1.1.1' });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await attempt()).statusCode);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const limited = await attempt();
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    const otherClient = await strict.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@example.test', password: 'nope-nope' }, remoteAddress: '10.2.2.2' });
    expect(otherClient.statusCode).toBe(401);
  });
});

describe('bad input through the HTTP stack', () => {
  const cases: { name: string; request: InjectOptions; status: number; code: string; path?: string }[] = [
    {
      name: 'malformed JSON',
      request: { method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload: '{"email": "a@b.c",' },
      status: 400,
      code: 'MALFORMED_JSON',
    },
    {
      name: 'empty JSON body',
      request: { method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload: '' },
      status: 400,
      code: 'MALFORMED_JSON',
    },
    {
      name: 'wrong type',
      request: { method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'a@example.test', password: 12345678901, displayName: 'A' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      path: 'password',
    },
    {
      name: 'unknown field',
      request: { method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'a@example.test', password: 'long enough pw', displayName: 'A', isAdmin: true } },
      status: 400,
      code: 'VALIDATION_FAILED',
      path: 'isAdmin',
    },
    {
      name: 'invalid email',
      request: { method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'not-an-email', password: 'long enough pw', displayName: 'A' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      path: 'email',
    },
    {
      name: 'too short password',
      request: { method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'a@example.test', password: 'short', displayName: 'A' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      path: 'password',
    },
    {
      name: 'non-JSON content type',
      request: { method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'text/xml' }, payload: '<signup/>' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      // A public route: on authenticated ones the gateway asks for credentials (401) before validating.
      name: 'malformed path id',
      request: { method: 'GET', url: '/api/v1/listings/not-a-uuid' },
      status: 400,
      code: 'VALIDATION_FAILED',
      path: 'params.id',
    },
    {
      name: 'unknown route',
      request: { method: 'GET', url: '/api/v1/nothing-here' },
      status: 404,
      code: 'NOT_FOUND',
    },
  ];

  it.each(cases)('$name → $status $code', async ({ request, status, code, path }) => {
    const response = await domus.app.inject(request);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
    expect(problem.type).toMatch(/^https:\/\/domus\.dev\/problems\//);
    expect(problem.detail.length).toBeGreaterThan(5);
    if (path) expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('rejects an oversize body with 413 and writes nothing', async () => {
    const response = await strict.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'big@example.test', password: 'long enough pw', displayName: 'x'.repeat(4000) },
      remoteAddress: '10.9.9.9',
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('PAYLOAD_TOO_LARGE');
    expect(await strict.modules.identity.service.findUserByEmail('big@example.test')).toBeNull();
  });

  it('answers hostile strings as plain data, never as SQL', async () => {
    const response = await domus.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: "a@example.test", password: "' OR 1=1; DROP TABLE users; --" },
    });
    expect(response.statusCode).toBe(401);
    expect((await domus.app.inject('/ready')).statusCode).toBe(200);
  });
});
