import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './audit';
import { ManualClock } from './clock';
import { migrateToLatest, openDatabase } from './db';
import { loadSecrets } from './secrets';

/** `npm run domus -- audit verify|export` as a separate process over an embedded database folder. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dataDir: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function withLog(work: (audit: AuditLog, db: import('./db').Database) => Promise<void>): Promise<void> {
  const handle = await openDatabase({ pgliteDataDir: path.join(dataDir, 'pglite') });
  try {
    await migrateToLatest(handle.db);
    await work(new AuditLog(handle.db, { clock: new ManualClock(), secrets: loadSecrets({ DATA_DIR: dataDir, SECRET_KEY: undefined }) }), handle.db);
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'domus-audit-cli-'));
  await withLog(async (audit) => {
    for (let index = 1; index <= 4; index += 1) await audit.record({ action: 'test.cli', actor: { type: 'system', id: 'cli-test' }, details: { index } });
  });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('audit CLI', () => {
  it('verifies an intact chain, exports it, and names the edited entry after tampering', async () => {
    const intact = await cli(['audit', 'verify']);
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/4 audit entries checked/);
    expect(intact.stdout).toMatch(/intact/);

    const file = path.join(dataDir, 'audit.jsonl');
    const exported = await cli(['audit', 'export', '--out', file]);
    expect(exported.code).toBe(0);
    expect((await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3, 4]);
    expect((await cli(['audit', 'verify', '--file', file])).code).toBe(0);

    await withLog(async (_audit, db) => {
      await sql.raw('ALTER TABLE audit_log DISABLE TRIGGER USER').execute(db);
      await sql.raw(`UPDATE audit_log SET details = '{"index": 7}'::jsonb WHERE seq = 2`).execute(db);
      await sql.raw('DELETE FROM audit_log WHERE seq = 3').execute(db);
    });
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/seq 2\s+edited/);
    expect(broken.stdout).toMatch(/seq 3\s+deleted/);
    expect(broken.stderr).toMatch(/audit chain is broken: 2 problem/);
  }, 120_000);

  it('issues service tokens that the platform verifies, and refuses a lifetime beyond the limit', async () => {
    const issued = await cli(['service-token', '--name', 'chain-indexer', '--scope', 'jobs:run', '--ttl', '120']);
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();
    const { verifyServiceToken } = await import('./service-token');
    const { systemClock } = await import('./clock');
    const check = verifyServiceToken(loadSecrets({ DATA_DIR: dataDir, SECRET_KEY: undefined }), systemClock, token);
    expect(check).toMatchObject({ ok: true, claims: { sub: 'chain-indexer', scp: ['jobs:run'] } });
    const refused = await cli(['service-token', '--name', 'chain-indexer', '--ttl', '5000']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/at most|1 to 900/);
  }, 60_000);
});
