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
import { offer } from '../../ml/index.js';
import { parseAvm } from './avm/format.js';
import { MEASURE_MODULE, TEST_FRACTION, trainAndMeasureTask, type OutlookIndex } from './avm/measure.js';
import type { Avm } from './avm/model.js';
import { fingerprintSales, SalesInputError, type SalesTable } from './avm/sales.js';
import { prepareExplainer } from './avm/valuate.js';
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
      // Off the event loop: the training runs on the compute thread (src/ml/compute-thread.ts)
      // while this node goes on serving; without one it runs here.
      const job = { table, seed: options.seed ?? 42, ...(options.outlookIndex ? { outlookIndex: options.outlookIndex } : {}) };
      const outcome = await offer(MEASURE_MODULE, 'trainAndMeasureTask', trainAndMeasureTask, job).resultAsync();
      if (!outcome.ok) throw outcome.input ? new SalesInputError(outcome.message) : new Error(outcome.message);
      const { model, metrics } = outcome;
      const fileKey = `valuation/models/${row.id}.json`;
      await this.deps.files.put(fileKey, Buffer.from(model, 'utf8'), 'application/json');
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

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
