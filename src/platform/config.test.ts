import { describe, expect, it } from 'vitest';
import { ConfigError, eventBusKind, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./var');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.SEED_DEMO_DATA).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['SECRET_KEY', 'short'],
    ['SEED_DEMO_DATA', 'maybe'],
    ['NATS_URL', 'redis://127.0.0.1:4222'],
    ['EVENT_BUS', 'kafka'],
  ])('rejects %s=%s with a message naming the variable', (variable, value) => {
    let caught: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const configError = caught as ConfigError;
    expect(configError.problems.map((problem) => problem.variable)).toContain(variable);
    expect(configError.message).toContain(variable);
  });

  it('accepts PostgreSQL and Redis URLs and derives nothing from unknown variables', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: '8080',
      UNRELATED: 'x',
    });
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(config.PUBLIC_URL).toBe('http://localhost:8080');
  });

  it('picks the event bus: NATS, then Redis, then in-process, unless EVENT_BUS names one (which needs its URL)', () => {
    expect(eventBusKind(loadConfig({}))).toBe('in-process');
    expect(eventBusKind(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }))).toBe('redis');
    expect(eventBusKind(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', NATS_URL: 'nats://127.0.0.1:4222' }))).toBe('nats');
    expect(eventBusKind(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', NATS_URL: 'nats://127.0.0.1:4222', EVENT_BUS: 'redis' }))).toBe('redis');
    expect(() => loadConfig({ EVENT_BUS: 'nats' })).toThrow(/NATS_URL: is required when EVENT_BUS=nats/);
    expect(() => loadConfig({ EVENT_BUS: 'redis', NATS_URL: 'nats://127.0.0.1:4222' })).toThrow(/REDIS_URL: is required when EVENT_BUS=redis/);
  });

  it('requires the S3 settings when FILE_STORE=s3', () => {
    expect(() => loadConfig({ FILE_STORE: 's3' })).toThrow(/S3_BUCKET: is required when FILE_STORE=s3/);
  });
});
