import type { z } from 'zod';
import { parsePeriodLabel, type PeriodFrequency } from '../../ml/index';
import type { Clock } from '../../platform/clock';
import { platformErrors } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import type { Logger } from '../../platform/logger';
import type { ListingsMarketFeed, MarketSaleRecord } from '../listings';
import { marketErrors } from './market.errors';
import { computeAreaIndex, forecastAreaIndex, minimumForecastPeriods, type AreaIndex } from './market.indices';
import type { CacheKey, MarketRepository } from './market.repository';
import type { AreaLevel, areaSchema, forecastQuery, forecastResponse, indexQuery, indexResponse, statisticsQuery, statisticsResponse } from './market.schema';
import { activityRange, dominantCurrency, marketStatistics } from './market.statistics';

type Out<T extends z.ZodType> = z.infer<T>;
type ComputeResult = { index: AreaIndex | null; reason: string | null; computedAt: Date };
type AreaQuery = { level: AreaLevel; area?: string | undefined; frequency: PeriodFrequency };

/** The whole platform is one area, named "all". */
const allArea = 'all';
const maxStatisticsPeriods = 600;

export interface MarketServiceDeps {
  feed: ListingsMarketFeed;
  repository: MarketRepository;
  clock: Clock;
  logger: Logger;
}

/**
 * Indices, forecasts and statistics per area (docs/market.md). Indices are cached in
 * market_index_cache with the listings' sale fingerprint: a read whose fingerprint no longer
 * matches recomputes; a `listings.changed` event recomputes stale cached areas in the
 * background; POST /market/recompute does it on demand.
 */
export class MarketService {
  private readonly inFlight = new Map<string, Promise<ComputeResult | null>>();
  constructor(private readonly deps: MarketServiceDeps) {}

  async areas(level: 'city' | 'postal'): Promise<Array<Out<typeof areaSchema>>> {
    const areas = await this.deps.feed.areas(level);
    return areas.map((a) => ({ ...a, firstSale: a.firstSale?.toISOString() ?? null, lastSale: a.lastSale?.toISOString() ?? null }));
  }

  async index(query: Out<typeof indexQuery>): Promise<Out<typeof indexResponse>> {
    const { index, computedAt } = await this.requireIndex(query);
    return { area: areaRef(query), ...index, computedAt: computedAt.toISOString() };
  }

  async forecast(query: Out<typeof forecastQuery>): Promise<Out<typeof forecastResponse>> {
    const { index, computedAt } = await this.requireIndex(query);
    const forecast = forecastAreaIndex(index, query.horizon, query.coverage, (label) => parsePeriodLabel(label, query.frequency)!);
    if (!forecast) {
      throw marketErrors.MARKET_DATA_INSUFFICIENT(
        `A forecast needs an index of at least ${minimumForecastPeriods(query.frequency)} ${query.frequency}s of history; this area's has ${index.points.length}.`,
      );
    }
    return {
      area: areaRef(query),
      frequency: query.frequency,
      ...forecast,
      backtest: forecast.backtest.map((b) => ({ ...b, mae: b.mae.map((v) => (Number.isFinite(v) ? v : null)) })),
      computedAt: computedAt.toISOString(),
    };
  }

  async statistics(query: Out<typeof statisticsQuery>): Promise<Out<typeof statisticsResponse>> {
    const records = await this.records(query);
    const { currency, records: sameCurrency } = dominantCurrency(records);
    const activity = activityRange(sameCurrency, query.frequency);
    let from = query.from ? parsePeriodLabel(query.from, query.frequency)! : activity?.first ?? 0;
    const to = query.to ? parsePeriodLabel(query.to, query.frequency)! : activity?.last ?? from;
    if (!query.from) from = Math.max(from, to - maxStatisticsPeriods + 1);
    return { area: areaRef(query), frequency: query.frequency, currency, periods: activity ? marketStatistics(sameCurrency, query.frequency, from, to) : [] };
  }

  /** Recomputes every cached index (and the platform-wide monthly and quarterly ones). */
  async recompute(auth: AuthContext | null): Promise<{ recomputed: number; fingerprint: string }> {
    if (!auth?.userId && !auth?.apiKey) throw platformErrors.UNAUTHENTICATED('Log in to recompute market indices.');
    const fingerprint = await this.deps.feed.fingerprint();
    const keys = await this.deps.repository.keys();
    for (const frequency of ['month', 'quarter'] as const) {
      if (!keys.some((k) => k.area_level === 'all' && k.frequency === frequency)) keys.push({ area_level: 'all', area: allArea, frequency });
    }
    let recomputed = 0;
    for (const key of keys) {
      if (await this.compute(key, fingerprint)) recomputed++;
    }
    return { recomputed, fingerprint };
  }

  /** Recomputes cached indices whose fingerprint is stale (the bus handler). */
  async refreshStale(): Promise<number> {
    const fingerprint = await this.deps.feed.fingerprint();
    let refreshed = 0;
    for (const key of await this.deps.repository.staleKeys(fingerprint)) {
      if (await this.compute(key, fingerprint)) refreshed++;
    }
    return refreshed;
  }

  private async requireIndex(query: AreaQuery): Promise<{ index: AreaIndex; computedAt: Date }> {
    const key: CacheKey = { area_level: query.level, area: query.level === 'all' ? allArea : query.area!, frequency: query.frequency };
    const fingerprint = await this.deps.feed.fingerprint();
    const cached = await this.deps.repository.get(key);
    let result: ComputeResult | null = null;
    if (cached && cached.fingerprint === fingerprint) {
      const payload = (typeof cached.payload === 'string' ? JSON.parse(cached.payload) : cached.payload) as AreaIndex | { insufficient: string };
      result = 'insufficient' in payload ? { index: null, reason: payload.insufficient, computedAt: cached.computed_at } : { index: payload, reason: null, computedAt: cached.computed_at };
    } else {
      result = await this.compute(key, fingerprint);
      if (!result) throw notFound(query);
    }
    if (!result.index) throw marketErrors.MARKET_DATA_INSUFFICIENT(`No index for this area: ${result.reason}.`);
    return { index: result.index, computedAt: new Date(result.computedAt) };
  }

  /** Computes and stores one index; null when the area has no listings at all (nothing is stored). */
  private compute(key: CacheKey, fingerprint: string): Promise<ComputeResult | null> {
    const id = `${key.area_level}\u0000${key.area}\u0000${key.frequency}\u0000${fingerprint}`;
    let running = this.inFlight.get(id);
    if (!running) {
      running = (async (): Promise<ComputeResult | null> => {
        const records = await this.deps.feed.saleRecords(key.area_level === 'postal' ? 'postal' : 'city', key.area_level === 'all' ? null : key.area);
        if (records.length === 0 && key.area_level !== 'all') return null;
        const outcome = computeAreaIndex(records, key.frequency);
        const computedAt = this.deps.clock.now();
        const payload = outcome.ok ? outcome.index : { insufficient: outcome.reason };
        await this.deps.repository.put({ ...key, fingerprint, computed_at: computedAt, payload });
        return { index: outcome.ok ? outcome.index : null, reason: outcome.ok ? null : outcome.reason, computedAt };
      })().finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, running);
    }
    return running;
  }

  private async records(query: AreaQuery): Promise<MarketSaleRecord[]> {
    const records = await this.deps.feed.saleRecords(query.level === 'postal' ? 'postal' : 'city', query.level === 'all' ? null : query.area!);
    if (records.length === 0 && query.level !== 'all') throw notFound(query);
    return records;
  }
}

function areaRef(query: AreaQuery) {
  return { level: query.level, name: query.level === 'all' ? allArea : query.area! };
}

function notFound(query: AreaQuery) {
  const what = query.level === 'city' ? `city "${query.area}"` : `postal district "${query.area}"`;
  return marketErrors.MARKET_AREA_NOT_FOUND(`No sale listings in ${what}. GET /api/v1/market/areas?level=${query.level} lists the known areas (names are exact, e.g. "Amsterdam", "1012", "98103").`, [{ path: 'query.area', message: 'unknown area' }]);
}
