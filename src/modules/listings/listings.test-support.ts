import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import type { TestDomus } from '../../../test/support/harness';
import type { ImportRecord } from './listings.import-types';

/** Helpers shared by the listings test files (this file holds no tests itself). */

export * from '../../../test/support/api-client';

const snapshotTables = ['properties', 'listings', 'listing_price_history', 'listing_photos', 'saved_searches', 'idempotency_keys'] as const;
export type Snapshot = Record<(typeof snapshotTables)[number] | 'listings.version' | 'properties.updated' | 'files', number>;

/** Row counts of every listings table plus the idempotency keys and stored files: "nothing was written". */
export async function snapshot(domus: TestDomus): Promise<Snapshot> {
  const counts: Partial<Snapshot> = {};
  for (const table of snapshotTables) {
    const result = await sql<{ count: number }>`SELECT count(*)::integer AS count FROM ${sql.table(table)}`.execute(domus.platform.db);
    counts[table] = result.rows[0]?.count ?? -1;
  }
  const versions = await sql<{ sum: number | null }>`SELECT coalesce(sum(version), 0)::integer AS sum FROM listings`.execute(domus.platform.db);
  counts['listings.version'] = versions.rows[0]?.sum ?? 0;
  const updated = await sql<{ max: string | null }>`SELECT max(updated_at)::text AS max FROM properties`.execute(domus.platform.db);
  counts['properties.updated'] = updated.rows[0]?.max ? Date.parse(updated.rows[0].max) : 0;
  counts.files = await countFiles(path.join(domus.config.DATA_DIR, 'files'));
  return counts as Snapshot;
}

async function countFiles(folder: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) total += entry.isDirectory() ? await countFiles(path.join(folder, entry.name)) : 1;
  return total;
}


export async function pngImage(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toBuffer();
}

/** A multipart/form-data body with one file part. */
export function multipart(field: string, filename: string, contentType: string, content: Buffer) {
  const boundary = `----domus${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function importRecord(overrides: { property?: Partial<ImportRecord['property']>; listing?: Partial<ImportRecord['listing']> } & Partial<Omit<ImportRecord, 'property' | 'listing'>> = {}): ImportRecord {
  const { property, listing, ...rest } = overrides;
  return {
    property: {
      address: 'Oudegracht 10',
      city: 'Utrecht',
      country: 'NL',
      postalCode: '3511 AB',
      latitude: 52.0907,
      longitude: 5.1214,
      propertyType: 'house',
      livingAreaM2: 120,
      plotAreaM2: 150,
      rooms: 5,
      bedrooms: 3,
      bathrooms: 1.5,
      yearBuilt: 1930,
      energyLabel: 'C',
      features: ['garden'],
      ...property,
    },
    listing: {
      kind: 'sale',
      title: 'Family house near the canal',
      description: 'A spacious family house.',
      askingPrice: { amountMinor: 55_000_000, currency: 'EUR' },
      status: 'active',
      publishedAt: new Date('2026-02-01T10:00:00.000Z'),
      ...listing,
    },
    isSynthetic: true,
    ...rest,
  };
}
