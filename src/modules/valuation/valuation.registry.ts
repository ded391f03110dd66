/**
 * The model registry: versioned models with their training data's fingerprint, metrics and
 * dates, the serialised model in the file store, and the active-model pointer.
 *
 * Swapping without downtime: the pointer is one row flag (a unique index allows one active
 * model) flipped in one transaction; each node holds the active model in memory as one
 * reference, replaced only after the new model is fully loaded. A valuation reads the reference
 * once at its start, so in-flight valuations finish on the model they began with. Activation
 * publishes `valuation.model.activated` on the bus; every node loads and swaps on it, and a node
 * that missed the event notices on its next check (every 30 s) that the database points elsewhere.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events';
import type { FileStore } from '../../platform/files';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import { parseAvm, serializeAvm } from './avm/format.js';
import { trainAvm, type Avm } from './avm/model.js';
import { outlookAsOf, salesOutlook, type QuarterlyPoint } from './avm/outlook.js';
import { fingerprintSales, SalesInputError, selectSales, type SalesTable } from './avm/sales.js';
import { prepareExplainer, valueSubject } from './avm/valuate.js';
import { valuationErrors } from './valuation.errors';
import type { ModelRow, ValuationRepository } from './valuation.repository';

declare module '../../platform/events' {
  interface DomusEvents {
    'valuation.model.activated': { modelId: string; version: number };
  }
}

export interface LoadedModel {
  readonly row: ModelRow;
  readonly avm: Avm;
}

export interface TrainingSource {
  readonly source: ModelRow['source'];
  readonly sourceDetail: string;
  readonly synthetic: boolean;
  readonly currency: string;
  readonly createdBy?: string | null;
}

/** Share of sales, the latest by date, held out to measure a registry model (never trained on). */
const TEST_FRACTION = 0.1;
const RECHECK_MS = 30_000;

export class ModelRegistry {
  private current: LoadedModel | null = null;
  private loading: Promise<LoadedModel | null> | null = null;
  private checkedAt = 0;

  constructor(private readonly deps: { repository: ValuationRepository; files: FileStore; bus: EventBus; clock: Clock; logger: Logger }) {}

  /** The model this node values with now, without any check (null before the first load). */
  get loaded(): LoadedModel | null {
    return this.current;
  }

  /** The active model, loaded once per node and re-checked against the database now and then. */
  async active(): Promise<LoadedModel> {
    const now = this.deps.clock.now().getTime();
    if (!this.current || now - this.checkedAt > RECHECK_MS) {
      this.checkedAt = now;
      const row = await this.deps.repository.activeModel();
      if (row && row.id !== this.current?.row.id) this.current = (await this.load(row.id)) ?? this.current;
      if (!row) this.current = null;
    }
    if (!this.current) throw valuationErrors.NO_ACTIVE_MODEL('No valuation model is active yet. Train one (domus valuation train --from-listings, or POST /api/v1/valuation-models/train) and activate it.');
    return this.current;
  }

  /** Another node activated a model: load it, then swap. */
  async follow(modelId: string): Promise<void> {
    if (this.current?.row.id === modelId) return;
    const loaded = await this.load(modelId);
    if (loaded) {
      this.current = loaded;
      this.checkedAt = this.deps.clock.now().getTime();
    }
  }

  /** Reads and parses a stored model (does not make it active). */
  async load(modelId: string): Promise<LoadedModel | null> {
    if (this.loading) await this.loading.catch(() => null);
    this.loading = (async () => {
      const row = await this.deps.repository.findModel(modelId);
      if (!row || row.status !== 'ready' || !row.file_key) return null;
      const file = await this.deps.files.get(row.file_key);
      if (!file) throw new Error(`valuation model ${row.version} has no file at ${row.file_key}`);
      const avm = parseAvm((await streamToBuffer(file.body)).toString('utf8'));
      // The explanation's tables are built before the model serves, not by its first valuation.
      prepareExplainer(avm);
      this.deps.logger.info({ modelId, version: row.version }, 'valuation model loaded');
      return { row: { ...row, active: true }, avm };
    })();
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  /**
   * Trains a model on the sales (holding out the latest 10% to measure it), stores it and
   * records it in the registry. The row exists from the start with status 'training', so a
   * failure is recorded too.
   */
  async train(table: SalesTable, source: TrainingSource, options: { seed?: number; outlookIndex?: OutlookIndex } = {}): Promise<ModelRow> {
    const { repository, clock } = this.deps;
    const row = await repository.insertModel({
      id: newId(),
      status: 'training',
      active: false,
      source: source.source,
      source_detail: source.sourceDetail,
      synthetic: source.synthetic,
      currency: source.currency,
      fingerprint: fingerprintSales(table),
      rows: table.price.length,
      metrics: null,
      params: { seed: options.seed ?? 42, testFraction: TEST_FRACTION },
      file_key: null,
      error: null,
      created_by: source.createdBy ?? null,
      created_at: clock.now(),
      trained_at: null,
      activated_at: null,
    });
    try {
      const { avm, metrics } = trainAndMeasure(table, options.seed ?? 42, options.outlookIndex);
      const fileKey = `valuation/models/${row.id}.json`;
      await this.deps.files.put(fileKey, Buffer.from(serializeAvm(avm), 'utf8'), 'application/json');
      const changes = { status: 'ready' as const, metrics, file_key: fileKey, trained_at: clock.now() };
      await repository.updateModel(row.id, changes);
      return { ...row, ...changes };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await repository.updateModel(row.id, { status: 'failed', error: message });
      throw error;
    }
  }

  /** Makes a ready model the active one everywhere. */
  async activate(modelId: string): Promise<ModelRow> {
    const row = await this.deps.repository.findModel(modelId);
    if (!row) throw valuationErrors.MODEL_NOT_FOUND(`No valuation model ${modelId}.`);
    if (row.status !== 'ready') throw valuationErrors.MODEL_NOT_READY(`Model version ${row.version} is ${row.status}; only a ready model can be activated.`);
    // Load first: a model this node cannot read never becomes the pointer's target.
    const loaded = await this.load(modelId);
    if (!loaded) throw valuationErrors.MODEL_NOT_READY(`Model version ${row.version} could not be loaded.`);
    await this.deps.repository.activate(modelId, this.deps.clock.now());
    this.current = loaded; // the swap: one reference, replaced whole; valuations under way keep the one they read
    this.checkedAt = this.deps.clock.now().getTime();
    await this.deps.bus.publish('valuation.model.activated', { modelId, version: row.version }).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not tell other nodes about the new valuation model; they pick it up within 30 s');
    });
    return (await this.deps.repository.findModel(modelId))!;
  }
}

/** A quarterly, not seasonally adjusted price index of the sales' market, for the AVM's outlook (avm/outlook.ts). */
export interface OutlookIndex {
  readonly points: readonly QuarterlyPoint[];
  /** What it is, e.g. "FHFA HPI, WA, not seasonally adjusted". */
  readonly source: string;
}

/**
 * Trains on all but the latest 10% of sales and measures on those (what the registry records).
 * With an index, the model gets the outlook it could have had when its last training sale was
 * made: the quarters published by then, forecast a year on; without one, the outlook of the
 * training sales' own quarterly index (salesOutlook) where they span three years.
 */
export function trainAndMeasure(table: SalesTable, seed: number, outlookIndex?: OutlookIndex): { avm: Avm; metrics: Record<string, number | string> } {
  const n = table.price.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (table.soldAt[a]! - table.soldAt[b]!) || a - b);
  const testSize = Math.max(1, Math.round(n * TEST_FRACTION));
  const train = selectSales(table, order.slice(0, n - testSize).sort());
  const test = selectSales(table, order.slice(n - testSize).sort());
  const started = performance.now();
  const lastSale = train.soldAt.reduce((a, b) => Math.max(a, b), -Infinity);
  let outlook = outlookIndex ? outlookAsOf(outlookIndex.points, lastSale, outlookIndex.source) : null;
  if (outlookIndex && !outlook) throw new SalesInputError(`The index has fewer than 12 quarters published before the last training sale (${new Date(lastSale).toISOString().slice(0, 10)}); the outlook needs three years.`);
  // Without an outside index (the platform's own sold listings), the sales' own quarterly index
  // where they span three years; otherwise no outlook, and the registry says why.
  let outlookNote: string;
  if (outlook) {
    outlookNote = outlook.source;
  } else {
    const own = salesOutlook(train, lastSale);
    outlook = own.outlook;
    outlookNote = own.outlook ? own.outlook.source : `none: ${own.reason}`;
  }
  const avm = trainAvm(train, { seed, calibration: 'time', ...(outlook ? { outlook } : {}) });
  const trainSeconds = (performance.now() - started) / 1000;
  const errors: number[] = [];
  let covered = 0;
  for (let i = 0; i < test.price.length; i++) {
    const values: Record<string, number | string | null> = {};
    test.columns.forEach((c, j) => {
      const v = test.values[j]![i]!;
      values[c.name] = Number.isNaN(v) ? null : c.kind === 'categorical' ? c.categories![v]! : v;
    });
    const valuation = valueSubject(avm, { values, latitude: test.latitude[i]!, longitude: test.longitude[i]!, at: test.soldAt[i]! }, { explain: false });
    const actual = test.price[i]!;
    errors.push(Math.abs(valuation.value - actual) / actual);
    if (actual >= valuation.range.lower && actual <= valuation.range.upper) covered++;
  }
  errors.sort((a, b) => a - b);
  const m = errors.length;
  return {
    avm,
    metrics: {
      n_train: train.price.length,
      n_test: m,
      mdape: m % 2 ? errors[m >> 1]! : (errors[m / 2 - 1]! + errors[m / 2]!) / 2,
      mape: errors.reduce((s, e) => s + e, 0) / m,
      within10: errors.filter((e) => e <= 0.1).length / m,
      coverage80: covered / m,
      blend_beta: avm.parts.blend.beta,
      outlook: outlookNote,
      train_seconds: trainSeconds,
    },
  };
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
