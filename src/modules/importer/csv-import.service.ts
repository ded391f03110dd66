import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { AppError } from '../../platform/errors';
import { compileMapping, MappingError, parseMapping, type ColumnMapping, type Refine, type RowOutcome } from './csv-import.mapping';
import { findPreset } from './csv-import.presets';
import type { SeedTarget } from './demo-data.service';
import { ensureImporterAccount, ensureOrganization, slugForName } from './importer.accounts';
import type { ImportRecord } from './listings-contract';

export interface CsvImportOptions {
  /** A path, or any readable stream of CSV text. */
  source: string | Readable;
  /** A built-in preset name (see csvPresets) ... */
  preset?: string;
  /** ... or a mapping (parsed JSON, or the path of a JSON file). */
  mapping?: unknown;
  /** The organization to import into, by id or slug; it must exist. */
  organizationId?: string;
  /** Or by name: found by its slug, or created. Default: the preset's organization. */
  organizationName?: string;
  /** Owner of an organization the import creates; default the importer's own account. */
  ownerEmail?: string;
  /** Rows per bulkImport call; default 500. */
  batchSize?: number;
  /** Stop after this many data rows (for trials). */
  limit?: number;
  onProgress?: (progress: CsvImportProgress) => void;
}

export interface CsvImportProgress {
  rowsRead: number;
  imported: number;
  skippedExisting: number;
  rejected: number;
}

export interface RejectedRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: number;
  reason: string;
}

export interface CsvImportSummary extends CsvImportProgress {
  organizationId: string;
  organizationName: string;
  mapping: string;
  /** The first 1,000 rejections with their reasons; `rejected` counts them all. */
  rejections: RejectedRow[];
  milliseconds: number;
}

/** An import that cannot go on (bad mapping, missing column, unknown organization, unreadable file). */
export class CsvImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvImportError';
  }
}

const maxRejectionsKept = 1000;
const maxRecordBytes = 1024 * 1024;

async function resolveMapping(options: CsvImportOptions): Promise<{ mapping: ColumnMapping; refine?: Refine; defaultOrganization?: string }> {
  if (options.preset && options.mapping) throw new CsvImportError('Give a preset or a mapping, not both.');
  if (options.preset) {
    try {
      const preset = findPreset(options.preset);
      return { mapping: preset.mapping, ...(preset.refine ? { refine: preset.refine } : {}), defaultOrganization: preset.defaultOrganizationName };
    } catch (error) {
      throw new CsvImportError((error as Error).message);
    }
  }
  if (options.mapping === undefined) throw new CsvImportError('Say how columns map to listing fields: a preset (--preset) or a mapping file (--mapping).');
  if (typeof options.mapping !== 'string') return { mapping: parseMapping(options.mapping) };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(options.mapping, 'utf8'));
  } catch (error) {
    throw new CsvImportError(`Cannot read the mapping file ${options.mapping}: ${(error as Error).message}`);
  }
  return { mapping: parseMapping(json, `mapping file ${options.mapping}`) };
}

async function resolveOrganization(domus: SeedTarget, options: CsvImportOptions, fallbackName: string | undefined) {
  const identity = domus.modules.identity.service;
  if (options.organizationId) {
    const organization = await identity.findOrganization(options.organizationId);
    if (!organization) throw new CsvImportError(`There is no organization "${options.organizationId}" (give an id or a slug; the stats command lists them).`);
    return organization;
  }
  const name = options.organizationName ?? fallbackName;
  if (!name) throw new CsvImportError('Say which organization the listings belong to: --organization ID or --organization-name NAME.');
  let owner = null;
  if (options.ownerEmail) {
    owner = await identity.findUserByEmail(options.ownerEmail);
    if (!owner) throw new CsvImportError(`There is no user ${options.ownerEmail} to own the organization; create one with create-user first.`);
  }
  owner ??= await ensureImporterAccount(identity);
  return (await ensureOrganization(identity, owner.id, name, slugForName(name))).organization;
}

/**
 * Streams a CSV through a column mapping into `bulkImport`, in batches. A bad row is rejected
 * with its line number and reason and never stops the import; a batch is all-or-nothing in the
 * listings module, and a batch the module refuses is retried row by row so that only the
 * offending rows are rejected. Rows whose externalRef exists already are skipped, so running the
 * same import twice imports nothing the second time.
 */
export async function importCsv(domus: SeedTarget, options: CsvImportOptions): Promise<CsvImportSummary> {
  const started = performance.now();
  const { mapping, refine, defaultOrganization } = await resolveMapping(options);
  const organization = await resolveOrganization(domus, options, defaultOrganization);
  const listings = domus.modules.listings.service;
  const batchSize = options.batchSize ?? 500;
  const summary: CsvImportSummary = {
    organizationId: organization.id,
    organizationName: organization.name,
    mapping: mapping.name,
    rowsRead: 0,
    imported: 0,
    skippedExisting: 0,
    rejected: 0,
    rejections: [],
    milliseconds: 0,
  };
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.rejections.length < maxRejectionsKept) summary.rejections.push({ line, reason });
  };
  const progress = () => options.onProgress?.({ rowsRead: summary.rowsRead, imported: summary.imported, skippedExisting: summary.skippedExisting, rejected: summary.rejected });

  let batch: { line: number; record: ImportRecord }[] = [];
  const write = async (entries: { line: number; record: ImportRecord }[]) => {
    const result = await listings.bulkImport(organization.id, entries.map((entry) => entry.record));
    summary.imported += result.created;
    summary.skippedExisting += result.skippedExisting;
  };
  const flush = async () => {
    let pending = batch;
    batch = [];
    // bulkImport validates every record before writing any: when it refuses some, reject those
    // (its problems name them by index) and write the rest; rows never go in half-written.
    while (pending.length > 0) {
      try {
        await write(pending);
        break;
      } catch (error) {
        if (!isRecordError(error)) throw error;
        const refused = refusedRecords(error);
        if (refused.size === 0) {
          await writeOneByOne(pending);
          break;
        }
        pending.forEach((entry, index) => {
          const problems = refused.get(index);
          if (problems) reject(entry.line, problems.join('; '));
        });
        pending = pending.filter((_entry, index) => !refused.has(index));
      }
    }
    progress();
  };
  const writeOneByOne = async (entries: { line: number; record: ImportRecord }[]) => {
    for (const entry of entries) {
      try {
        await write([entry]);
      } catch (error) {
        if (!isRecordError(error)) throw error;
        reject(entry.line, error.errors.length > 0 ? error.errors.map((problem) => `${problem.path.replace(/^records\.\d+\./, '')}: ${problem.message}`).join('; ') : error.message);
      }
    }
  };

  const input = typeof options.source === 'string' ? createReadStream(options.source) : options.source;
  let lastRecordEnd = 0;
  const parser = input.pipe(
    parse({
      bom: true,
      delimiter: mapping.delimiter ?? ',',
      info: true,
      // Stray quotes inside a field are kept as text (the row may then fail its mapping, with a reason).
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: maxRecordBytes,
      on_record: (record: string[], context: { lines: number }) => {
        lastRecordEnd = context.lines;
        return record;
      },
      on_skip: (error: CsvError | undefined) => {
        if (!error) return;
        const line = lastRecordEnd + 1;
        // An opening quote that never closes swallows the rest of the file: CSV cannot tell where the row was meant to end.
        const swallowed = error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE';
        reject(line, swallowed ? `not valid CSV: a quoted field opened in this row is never closed, so lines ${line} to ${error.lines} could not be read` : `not valid CSV: ${error.message}`);
      },
    }),
  );
  let mapRow: ((cells: readonly string[]) => RowOutcome) | undefined;
  let header: string[] = [];
  const seen = new Map<string, number>();
  try {
    input.on('error', (error: Error) => parser.destroy(error));
    for await (const { record: cells, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!mapRow) {
        header = cells.map((cell) => cell.trim());
        mapRow = compileMapping(mapping, header, refine);
        continue;
      }
      if (options.limit !== undefined && summary.rowsRead >= options.limit) break;
      summary.rowsRead += 1;
      // csv-parse reports the line a row ends on; a quoted field may span lines.
      const line = info.lines - cells.reduce((count, cell) => count + (cell.match(/\n/g)?.length ?? 0), 0);
      if (cells.length !== header.length) {
        reject(line, `has ${cells.length} fields; the header has ${header.length}`);
        continue;
      }
      const outcome = mapRow(cells);
      if (!outcome.ok) {
        reject(line, outcome.reason);
        continue;
      }
      const ref = outcome.record.externalRef as string;
      const earlier = seen.get(ref);
      if (earlier !== undefined) {
        reject(line, `repeats the row on line ${earlier} (same reference ${ref})`);
        continue;
      }
      seen.set(ref, line);
      batch.push({ line, record: outcome.record });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } catch (error) {
    if (error instanceof MappingError || error instanceof CsvImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new CsvImportError(`Cannot read ${String(options.source)}: ${(error as Error).message}`);
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new CsvImportError(`The file is not valid CSV: ${(error as Error).message}`);
    throw error;
  } finally {
    // Stopping early (--limit, an error) leaves the file open otherwise.
    if (typeof options.source === 'string') input.destroy();
  }
  if (!mapRow) throw new CsvImportError('The file is empty: it has no header line.');
  // Rows the listings module refuses are known only when their batch is written: report in file order.
  summary.rejections.sort((a, b) => a.line - b.line);
  summary.milliseconds = Math.round(performance.now() - started);
  return summary;
}

/** A refusal of the records themselves (validation), as opposed to a database or I/O failure. */
function isRecordError(error: unknown): error is AppError {
  return error instanceof AppError && error.status >= 400 && error.status < 500;
}

/** The problems bulkImport reported, by record index (its field paths read `records.<index>.<field>`). */
function refusedRecords(error: AppError): Map<number, string[]> {
  const byIndex = new Map<number, string[]>();
  for (const problem of error.errors) {
    const match = /^records\.(\d+)\.(.+)$/.exec(problem.path);
    if (!match) continue;
    const index = Number(match[1]);
    byIndex.set(index, [...(byIndex.get(index) ?? []), `${match[2]}: ${problem.message}`]);
  }
  return byIndex;
}
