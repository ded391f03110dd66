/**
 * Valuations over HTTP and jobs: value a stored property or a description, keep a property's
 * valuation history, value a portfolio in the background, and the registry's admin actions.
 * No SQL (valuation.repository.ts), no HTTP (valuation.routes.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../platform/clock';
import type { CursorCodec } from '../../platform/cursor';
import { platformErrors } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import { minorUnitsByCurrency, type Money } from '../../platform/money';
import type { OrganizationAccess } from '../identity';
import type { Property } from '../listings';
import { readQuarterlyIndex } from './avm/outlook.js';
import { salesFromCsv } from './avm/sales.js';
import { propertyValues, salesFromProperties, type PropertySale } from './avm/listings-sales.js';
import { valueSubject, type AvmValuation } from './avm/valuate.js';
import { valuationErrors, validationFailed } from './valuation.errors';
import type { JobRunner } from './valuation.jobs';
import type { ModelRegistry } from './valuation.registry';
import type { JobRow, ModelRow, ValuationRepository, ValuationRow } from './valuation.repository';
import { FUTURE_YEARS_ALLOWED, type JobView, type ModelView, type PropertyDescription, type ValuationView } from './valuation.schema';

/** What valuation needs of the listings module. */
export interface ValuationListings {
  getProperty(auth: AuthContext | null, id: string): Promise<Property>;
  /** Sold sale listings with their closing price and date, page by page. */
  soldSales(): AsyncIterable<PropertySale & { currency: string }>;
}

export interface ValuationServiceDependencies {
  repository: ValuationRepository;
  registry: ModelRegistry;
  listings: ValuationListings;
  access: { require: OrganizationAccess['require']; standing: OrganizationAccess['standing'] };
  clock: Clock;
  cursors: CursorCodec;
  /** Read on every check, so a configuration reload takes effect. */
  adminOrganizations: () => readonly string[];
}

const historyCursor = z.object({ createdAt: z.string(), id: z.string() });

type Subject = { values: Record<string, number | string | null>; latitude: number; longitude: number };

export class ValuationService {
  jobs!: JobRunner;
  constructor(private readonly deps: ValuationServiceDependencies) {}

  // ---- valuations ----------------------------------------------------------------------------

  async createValuation(auth: AuthContext | null, input: { propertyId?: string; property?: PropertyDescription; at?: string; explain: boolean }): Promise<ValuationView> {
    const userId = this.requireUser(auth);
    let subject: Subject;
    let property: Property | null = null;
    if (input.propertyId) {
      property = await this.deps.listings.getProperty(auth, input.propertyId).catch((error: unknown) => {
        if ((error as { status?: number }).status === 404) throw valuationErrors.VALUATION_PROPERTY_NOT_FOUND(`No property ${input.propertyId} that you can see.`, [{ path: 'propertyId', message: 'no such property' }]);
        throw error;
      });
      subject = subjectOfProperty(property);
    } else {
      subject = this.subjectOfDescription(input.property!);
    }
    const at = input.at ? Date.parse(`${input.at}T00:00:00Z`) : this.deps.clock.now().getTime();
    const model = await this.deps.registry.active(); // read once: this valuation finishes on this model
    const valuation = valueSubject(model.avm, { ...subject, at }, { explain: input.explain });
    return this.store(valuation, model.row, { propertyId: property?.id ?? null, organizationId: property?.organizationId ?? null, userId, at });
  }

  async history(auth: AuthContext | null, propertyId: string, query: { limit: number; cursor?: string }) {
    this.requireUser(auth);
    await this.deps.listings.getProperty(auth, propertyId).catch((error: unknown) => {
      if ((error as { status?: number }).status === 404) throw valuationErrors.VALUATION_PROPERTY_NOT_FOUND(`No property ${propertyId} that you can see.`);
      throw error;
    });
    const before = query.cursor ? this.deps.cursors.decode(`valuations.history:${propertyId}`, query.cursor, historyCursor) : undefined;
    const rows = await this.deps.repository.listValuations(propertyId, before ? { createdAt: new Date(before.createdAt), id: before.id } : undefined, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => row.result as unknown as ValuationView),
      nextCursor: rows.length > query.limit && last ? this.deps.cursors.encode(`valuations.history:${propertyId}`, { createdAt: last.created_at.toISOString(), id: last.id }) : null,
    };
  }

  // ---- batch ---------------------------------------------------------------------------------

  /** Checks access to every property now (a job cannot act for the caller later) and queues the batch. */
  async startBatch(auth: AuthContext | null, input: { organizationId: string; propertyIds: string[] }): Promise<JobView> {
    const userId = this.requireUser(auth);
    await this.deps.access.require(auth, input.organizationId, 'viewer', 'listings:read');
    await this.deps.registry.active();
    const ids = [...new Set(input.propertyIds)];
    const items: { propertyId: string; subject: Subject | null; problem: string | null }[] = [];
    for (const id of ids) {
      const property = await this.deps.listings.getProperty(auth, id).catch(() => null);
      if (!property || property.organizationId !== input.organizationId) items.push({ propertyId: id, subject: null, problem: 'not a property of this organization' });
      else if (property.latitude === null || property.longitude === null) items.push({ propertyId: id, subject: null, problem: 'the property has no coordinates' });
      else items.push({ propertyId: id, subject: subjectOfProperty(property), problem: null });
    }
    const job = await this.jobs.enqueue('batch', { organizationId: input.organizationId, userId, items }, { organizationId: input.organizationId, userId });
    return toJobView(job);
  }

  /** Job handler: values every item with the model active when the job starts. */
  async runBatch(job: JobRow, progress: (fraction: number) => Promise<void>): Promise<Record<string, unknown>> {
    const input = job.input as { organizationId: string; userId: string; items: { propertyId: string; subject: Subject | null; problem: string | null }[] };
    const model = await this.deps.registry.active();
    const at = this.deps.clock.now().getTime();
    const results: Record<string, unknown>[] = [];
    for (const [i, item] of input.items.entries()) {
      if (!item.subject) {
        results.push({ propertyId: item.propertyId, error: item.problem });
        continue;
      }
      const valuation = valueSubject(model.avm, { ...item.subject, at }, { explain: false });
      const view = await this.store(valuation, model.row, { propertyId: item.propertyId, organizationId: input.organizationId, userId: input.userId, at });
      results.push({ propertyId: item.propertyId, valuationId: view.id, value: view.value, range: view.range, grade: view.confidence.grade, lowConfidence: view.confidence.lowConfidence });
      if (i % 50 === 49) await progress((i + 1) / input.items.length);
    }
    return { modelVersion: model.row.version, valued: results.filter((r) => !('error' in r)).length, failed: results.filter((r) => 'error' in r).length, items: results };
  }

  async getJob(auth: AuthContext | null, id: string): Promise<JobView> {
    const userId = this.requireUser(auth);
    const job = await this.deps.repository.findJob(id);
    const notFound = () => valuationErrors.VALUATION_JOB_NOT_FOUND(`No valuation job ${id} that you can see.`);
    if (!job) throw notFound();
    if (job.organization_id) await this.deps.access.require(auth, job.organization_id, 'viewer', 'listings:read', notFound);
    else if (job.created_by !== userId && !(await this.isModelAdmin(auth))) throw notFound();
    return toJobView(job);
  }

  // ---- registry (administrators) -------------------------------------------------------------

  async listModels(auth: AuthContext | null): Promise<ModelView[]> {
    await this.requireModelAdmin(auth);
    return (await this.deps.repository.listModels(100)).map(toModelView);
  }

  async activate(auth: AuthContext | null, id: string): Promise<ModelView> {
    await this.requireModelAdmin(auth);
    return toModelView(await this.deps.registry.activate(id));
  }

  async startTraining(auth: AuthContext | null, input: { activate: boolean }): Promise<JobView> {
    const userId = await this.requireModelAdmin(auth);
    return toJobView(await this.jobs.enqueue('train', { source: 'listings', activate: input.activate }, { userId }));
  }

  /** Job handler and CLI: trains on the platform's sold listings. */
  async trainFromListings(options: { activate: boolean; createdBy?: string | null }): Promise<ModelRow> {
    const byCurrency = new Map<string, PropertySale[]>();
    for await (const sale of this.deps.listings.soldSales()) {
      const list = byCurrency.get(sale.currency) ?? [];
      list.push(sale);
      byCurrency.set(sale.currency, list);
    }
    // One model, one currency: the most common one among the sales.
    const [currency, sales] = [...byCurrency.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['EUR', []];
    if (sales.length < 50) throw valuationErrors.NOT_ENOUGH_SALES(`Only ${sales.length} sold listings with coordinates and a price; at least 50 are needed.`);
    const synthetic = sales.some((s) => s.ref.startsWith('synthetic:'));
    const row = await this.deps.registry.train(salesFromProperties(sales), {
      source: 'listings',
      sourceDetail: `${sales.length} sold listings (${currency})${synthetic ? ', synthetic demo data' : ''}`,
      synthetic,
      currency,
      createdBy: options.createdBy ?? null,
    });
    return options.activate ? this.deps.registry.activate(row.id) : row;
  }

  /** CLI: trains on a sales CSV (columns inferred; coordinates and a sale date required). */
  async trainFromCsv(
    file: string,
    options: { target: string; date: string; currency: string; activate: boolean; outlookIndex?: { file: string; region?: string } },
  ): Promise<{ model: ModelRow; skippedRows: number; skipped: { line: number; reason: string }[] }> {
    const { table, skipped, skippedRows } = salesFromCsv(file, { target: options.target, date: options.date });
    const index = options.outlookIndex;
    const outlookIndex = index
      ? { points: readQuarterlyIndex(readFileSync(index.file, 'utf8'), index.region === undefined ? {} : { region: index.region }), source: `${path.basename(index.file)}${index.region ? ` (${index.region})` : ''}, not seasonally adjusted` }
      : undefined;
    const detail = `${path.basename(file)} (${table.price.length} sales, target ${options.target}${outlookIndex ? `; outlook from ${outlookIndex.source}` : ''})`;
    const model = await this.deps.registry.train(table, { source: 'csv', sourceDetail: detail, synthetic: false, currency: options.currency }, outlookIndex ? { outlookIndex } : {});
    return { model: options.activate ? await this.deps.registry.activate(model.id) : model, skippedRows, skipped };
  }

  /** CLI: activates a model by version number or id. */
  async activateVersion(versionOrId: string): Promise<ModelRow> {
    const models = await this.deps.repository.listModels(10_000);
    const model = models.find((m) => m.id === versionOrId || String(m.version) === versionOrId);
    if (!model) throw valuationErrors.MODEL_NOT_FOUND(`No valuation model ${versionOrId}.`);
    return this.deps.registry.activate(model.id);
  }

  /** CLI: the registry, newest first. */
  async allModels(): Promise<ModelView[]> {
    return (await this.deps.repository.listModels(1000)).map(toModelView);
  }

  async runTraining(job: JobRow): Promise<Record<string, unknown>> {
    const input = job.input as { activate: boolean };
    const row = await this.trainFromListings({ activate: input.activate, createdBy: job.created_by });
    return { modelId: row.id, version: row.version, active: row.active, metrics: row.metrics };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private subjectOfDescription(description: PropertyDescription): Subject {
    const maxYear = new Date(this.deps.clock.now()).getUTCFullYear() + FUTURE_YEARS_ALLOWED;
    const problems: { path: string; message: string }[] = [];
    for (const field of ['yearBuilt', 'yearRenovated'] as const) {
      const year = description[field];
      if (year !== undefined && year > maxYear) problems.push({ path: `property.${field}`, message: `must not be after ${maxYear}` });
    }
    if (description.yearBuilt !== undefined && description.yearRenovated !== undefined && description.yearRenovated < description.yearBuilt) problems.push({ path: 'property.yearRenovated', message: 'must not be before yearBuilt' });
    if (problems.length > 0) throw validationFailed(problems);
    const values = {
      ...(description.attributes ?? {}),
      ...propertyValues({
        propertyType: description.propertyType ?? '',
        livingAreaM2: description.livingAreaM2 ?? null,
        plotAreaM2: description.plotAreaM2 ?? null,
        rooms: description.rooms ?? null,
        bedrooms: description.bedrooms ?? null,
        bathrooms: description.bathrooms ?? null,
        yearBuilt: description.yearBuilt ?? null,
        yearRenovated: description.yearRenovated ?? null,
        energyLabel: description.energyLabel ?? null,
      }),
    };
    if (!description.propertyType) values.propertyType = null;
    return { values, latitude: description.latitude, longitude: description.longitude };
  }

  private async store(valuation: AvmValuation, model: ModelRow, meta: { propertyId: string | null; organizationId: string | null; userId: string; at: number }): Promise<ValuationView> {
    const currency = model.currency;
    const minor = 10 ** (minorUnitsByCurrency[currency as keyof typeof minorUnitsByCurrency] ?? 2);
    const cash = (major: number): Money => ({ amountMinor: Math.round(major * minor), currency } as Money);
    const id = newId();
    const createdAt = this.deps.clock.now();
    const view: ValuationView = {
      id,
      propertyId: meta.propertyId,
      model: { id: model.id, version: model.version, synthetic: model.synthetic },
      at: new Date(meta.at).toISOString().slice(0, 10),
      createdAt: createdAt.toISOString(),
      value: cash(valuation.value),
      range: { lower: cash(valuation.range.lower), upper: cash(valuation.range.upper), coverage: valuation.range.coverage },
      confidence: valuation.confidence,
      modelValue: cash(valuation.modelValue),
      comparablesValue: cash(valuation.comparablesValue),
      comparablesWeight: valuation.comparablesWeight,
      comparables: valuation.comparables.map((c) => ({ ...c, price: cash(c.price), adjustedValue: cash(c.adjustedValue) })),
      explanation: valuation.explanation ? { ...valuation.explanation, currency } : null,
    };
    const row: ValuationRow = {
      id,
      property_id: meta.propertyId,
      organization_id: meta.organizationId,
      model_id: model.id,
      value_minor: view.value.amountMinor,
      lower_minor: view.range.lower.amountMinor,
      upper_minor: view.range.upper.amountMinor,
      currency,
      grade: valuation.confidence.grade,
      result: view as unknown as Record<string, unknown>,
      created_by: meta.userId,
      created_at: createdAt,
    };
    await this.deps.repository.insertValuation(row);
    return view;
  }

  private requireUser(auth: AuthContext | null): string {
    if (!auth || (!auth.userId && !auth.apiKey)) throw platformErrors.UNAUTHENTICATED('Log in or send an API key.');
    return auth.userId ?? auth.apiKey!.id;
  }

  private async isModelAdmin(auth: AuthContext | null): Promise<boolean> {
    if (!auth?.userId) return false;
    for (const organizationId of this.deps.adminOrganizations()) {
      const standing = await this.deps.access.standing(auth, organizationId).catch(() => null);
      if (standing && (standing.role === 'admin' || standing.role === 'owner')) return true;
    }
    return false;
  }

  private async requireModelAdmin(auth: AuthContext | null): Promise<string> {
    const userId = this.requireUser(auth);
    if (!(await this.isModelAdmin(auth))) throw valuationErrors.MODEL_ADMIN_ONLY('The model registry is for owners and admins of the organizations in VALUATION_ADMIN_ORGANIZATIONS.');
    return userId;
  }
}

function subjectOfProperty(property: Property): Subject {
  if (property.latitude === null || property.longitude === null) {
    throw valuationErrors.PROPERTY_NOT_VALUABLE('The property has no coordinates; a valuation needs its place. Add latitude and longitude to the property.', [{ path: 'latitude', message: 'is missing' }]);
  }
  // Source-specific facts (e.g. a King County grade) reach models trained on a CSV with such columns.
  const attributes = (property as { attributes?: Record<string, number | string | boolean> }).attributes ?? {};
  const extra = Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typeof value === 'boolean' ? Number(value) : value]));
  return { values: { ...extra, ...propertyValues(property) }, latitude: property.latitude, longitude: property.longitude };
}

export function toModelView(row: ModelRow): ModelView {
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    active: row.active,
    source: row.source,
    sourceDetail: row.source_detail,
    synthetic: row.synthetic,
    currency: row.currency,
    fingerprint: row.fingerprint,
    rows: row.rows,
    metrics: row.metrics,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    trainedAt: row.trained_at?.toISOString() ?? null,
    activatedAt: row.activated_at?.toISOString() ?? null,
  };
}

export function toJobView(row: JobRow): JobView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    progress: row.progress,
    error: row.error,
    result: row.result,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
