import pg from 'pg';
import { newId } from '../../src/platform/ids';

/**
 * A fresh PostgreSQL database on the server `adminUrl` points at, for one test file, cluster or
 * benchmark run, and the function that drops it (WITH FORCE: connections left open do not block).
 */
export async function createThrowawayDatabase(adminUrl: string, prefix: string, options: { connectionTimeoutMillis?: number } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${newId().replaceAll('-', '').slice(-20)}`;
  const admin = new pg.Client({ connectionString: adminUrl, ...options });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleaner = new pg.Client({ connectionString: adminUrl });
      await cleaner.connect();
      try {
        await cleaner.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleaner.end();
      }
    },
  };
}
