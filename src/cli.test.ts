import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from './platform/ids';

/**
 * The operator CLI end to end, as a separate process: `node --import tsx src/cli.ts ...` against a
 * throw-away PGlite folder, or a throw-away PostgreSQL database when DATABASE_URL is set.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let workDir: string;
const databases: string[] = [];

async function environmentFor(name: string): Promise<NodeJS.ProcessEnv> {
  const { DATABASE_URL: adminUrl, ...inherited } = process.env;
  const environment: NodeJS.ProcessEnv = { ...inherited, DATA_DIR: path.join(workDir, name), LOG_LEVEL: 'silent', NODE_ENV: 'test' };
  if (adminUrl) {
    const database = `domus_cli_${newId().replaceAll('-', '').slice(-16)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    databases.push(database);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    environment.DATABASE_URL = url.toString();
  }
  return environment;
}

function cli(args: string[], environment: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: environment, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const mapping = {
  name: 'cli-test',
  fields: {
    externalRef: { template: 'cli-test:{ref}' },
    address: { column: 'street' },
    city: { value: 'Lyon' },
    country: { value: 'FR' },
    postalCode: { column: 'zip' },
    latitude: { column: 'lat' },
    longitude: { column: 'lng' },
    propertyType: { value: 'apartment' },
    livingAreaM2: { column: 'sqft', unit: 'sqft' },
    status: { column: 'status' },
    currency: { value: 'EUR' },
    askingPrice: { column: 'price' },
    closingPrice: { column: 'sold_for' },
    publishedAt: { column: 'listed', format: 'dd/mm/yyyy' },
    closedAt: { column: 'closed', format: 'dd/mm/yyyy' },
  },
};
const csv = [
  'ref,street,zip,lat,lng,sqft,status,price,sold_for,listed,closed',
  'L1,12 Rue des Tilleuls,69002,45.76,4.83,700,active,310000,,01/02/2026,',
  'L2,14 Rue des Tilleuls,69002,45.76,4.83,seven hundred,active,300000,,01/02/2026,',
  'L3,16 Rue des Tilleuls,69002,45.76,4.83,900,sold,410000,405000,01/12/2025,15/01/2026',
  'L4,18 Rue des Tilleuls,69002,145.76,4.83,800,active,350000,,01/02/2026,',
  '',
].join('\n');

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'domus-cli-'));
  await writeFile(path.join(workDir, 'mapping.json'), JSON.stringify(mapping));
  await writeFile(path.join(workDir, 'listings.csv'), csv);
  await writeFile(path.join(workDir, 'renamed.csv'), csv.replace('sqft', 'area'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl || databases.length === 0) return;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('the operator CLI', () => {
  it('lists every command, refuses a bad configuration with exit 2, and a missing column with exit 1', async () => {
    const [help, badConfig, missingColumn, created] = await Promise.all([
      cli(['--help'], await environmentFor('help')),
      cli(['stats'], { ...(await environmentFor('bad')), PORT: 'not-a-port' }),
      environmentFor('renamed').then((environment) => cli(['import', '--mapping', path.join(workDir, 'mapping.json'), '--organization-name', 'CLI Agency', path.join(workDir, 'renamed.csv')], environment)),
      environmentFor('users').then((environment) => cli(['create-user', '--email', 'Ops@Example.com', '--password', 'a long enough password', '--name', 'Ops', '--organization-name', 'Ops Agency'], environment)),
    ]);
    expect(help.code).toBe(0);
    for (const command of ['import', 'seed', 'migrate', 'stats', 'create-user']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b.*\\S`, 'm'));

    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('PORT');

    expect(missingColumn.code).toBe(1);
    expect(missingColumn.stderr).toContain('Error: The CSV has no column "sqft" (mapped to livingAreaM2)');

    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created user ops@example\.com \([0-9a-f-]{36}\)\.\nCreated organization "Ops Agency" \([0-9a-f-]{36}\) owned by ops@example\.com\.\n$/);
  });

  it('imports a CSV, listing rejected rows by line, then reports the counts in stats', async () => {
    const environment = await environmentFor('main');
    const imported = await cli(['import', '--mapping', path.join(workDir, 'mapping.json'), '--organization-name', 'CLI Agency', path.join(workDir, 'listings.csv')], environment);
    expect(imported.stderr).toMatch(/^(  [0-9,]+ rows read, .*\n)*$/); // progress only
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/rows read +4\n/);
    expect(imported.stdout).toMatch(/imported +2\n/);
    expect(imported.stdout).toMatch(/rejected +2\n/);
    expect(imported.stdout).toContain('line 3: column "sqft" (livingAreaM2): "seven hundred" is not a number');
    expect(imported.stdout).toContain('line 5: latitude is 145.76; expected -90 to 90');

    const stats = await cli(['stats', '--json'], environment);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ users: 1, organizations: 1, listings: { total: 2, byStatus: { active: 1, sold: 1 } }, demoSeed: null });
  });
});
