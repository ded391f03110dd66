import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Logger } from './logger';

// BIGINT (int8) columns come back as JS numbers: every bigint Domus stores (money in minor units,
// byte sizes, counters) stays far below 2^53, and the repositories check that on write.
pg.types.setTypeParser(20, (value) => Number(value));
// NUMERIC comes back as a number too; we use it only for coordinates and areas.
pg.types.setTypeParser(1700, (value) => Number(value));

/**
 * The database the modules see. Each module narrows it to its own tables with
 * `database.withTables<ModuleTables>()`; a module never names another module's tables.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Database = Kysely<{}>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Round-trips a trivial query; used by GET /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite database is used. */
  url?: string;
  /** Folder for PGlite's files, or 'memory://' for a throw-away in-memory database. */
  pgliteDataDir?: string;
  poolSize?: number;
  logger?: Logger;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'domus',
    });
    pool.on('error', (error) => options.logger?.error({ err: error }, 'idle PostgreSQL client failed'));
    const db = new Kysely<{}>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const dataDir = options.pgliteDataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  // PGlite is one single-threaded backend: a pool of one connection, owned by us.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  const db = new Kysely<{}>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Finds every `migrations/*.sql` file of the platform and of each module. File names start with a
 * sortable stamp (`20261129_0001_identity_init.sql`) so that migrations of different modules apply
 * in one global order, identically on PGlite and PostgreSQL.
 */
export class SqlFolderMigrationProvider implements MigrationProvider {
  constructor(private readonly root: string = sourceRoot) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const folders = [path.join(this.root, 'platform', 'migrations')];
    const modulesRoot = path.join(this.root, 'modules');
    for (const entry of await readdir(modulesRoot, { withFileTypes: true })) {
      if (entry.isDirectory()) folders.push(path.join(modulesRoot, entry.name, 'migrations'));
    }
    const migrations: Record<string, Migration> = {};
    for (const folder of folders) {
      let files: string[];
      try {
        files = await readdir(folder);
      } catch {
        continue;
      }
      for (const file of files.filter((name) => name.endsWith('.sql'))) {
        const name = file.replace(/\.sql$/, '');
        if (migrations[name]) throw new Error(`Two migrations are named ${name}`);
        const text = await readFile(path.join(folder, file), 'utf8');
        migrations[name] = {
          // Simple-protocol query: a file may hold several statements. Kysely wraps each
          // migration in a transaction, so a failing file leaves nothing half-applied.
          up: async (db) => {
            await sql.raw(text).execute(db);
          },
        };
      }
    }
    return migrations;
  }
}

export async function migrateToLatest(db: Database, logger?: Logger): Promise<string[]> {
  // Unordered: modules land migrations in parallel, so a new file may sort before one an existing
  // database applied already; it is then applied, instead of refusing to boot.
  const migrator = new Migrator({ db, provider: new SqlFolderMigrationProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
  for (const result of results ?? []) {
    if (result.status === 'Error') logger?.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
  if (applied.length > 0) logger?.info({ applied }, 'database migrations applied');
  return applied;
}
