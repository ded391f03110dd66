import { periodEnd, periodKey, periodLabel, periodStart, periodsPerYear, type PeriodFrequency } from '../../ml/index';
import type { MarketSaleRecord } from '../listings';

/**
 * Market statistics per period from sale listings' lifecycles (docs/market.md, "Statistics"):
 * a listing is on the market from publishedAt until closedAt (sold or withdrawn), or still on it.
 */
export interface PeriodStatistics {
  period: string;
  /** Listings sold (closed as sold) in the period. */
  sold: number;
  /** Listings first published in the period. */
  newListings: number;
  /** Listings on the market at the end of the period. */
  inventory: number;
  /** Median closing price ÷ living area of the period's sales that have both; null without any. */
  medianPricePerM2: number | null;
  /** Median whole days from publication to sale of the period's sales; null without any. */
  medianDaysOnMarket: number | null;
  /** sold ÷ (inventory at the start of the period + newListings): the share of what was available that sold. */
  absorptionRate: number | null;
  /** inventory at the end ÷ sales per month in the period; null without sales. */
  monthsOfSupply: number | null;
}

const dayMs = 86_400_000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The currency most of the records are in (ties: alphabetical), and only those records. */
export function dominantCurrency(records: readonly MarketSaleRecord[]): { currency: string | null; records: MarketSaleRecord[] } {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.currency, (counts.get(r.currency) ?? 0) + 1);
  const currency = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  return { currency, records: records.filter((r) => r.currency === currency) };
}

/** Statistics for every period key in [from, to] (inclusive). Prices are in minor units ÷ 100 of the currency. */
export function marketStatistics(records: readonly MarketSaleRecord[], frequency: PeriodFrequency, from: number, to: number): PeriodStatistics[] {
  const out: PeriodStatistics[] = [];
  const monthsPerPeriod = 12 / periodsPerYear(frequency);
  for (let key = from; key <= to; key++) {
    const start = periodStart(key, frequency).getTime();
    const end = periodEnd(key, frequency).getTime();
    const onMarketAt = (time: number) => records.filter((r) => r.publishedAt.getTime() < time && (r.closedAt === null || r.closedAt.getTime() >= time)).length;
    const sales = records.filter((r) => r.status === 'sold' && r.closedAt !== null && r.closedAt.getTime() >= start && r.closedAt.getTime() < end);
    const newListings = records.filter((r) => r.publishedAt.getTime() >= start && r.publishedAt.getTime() < end).length;
    const inventoryStart = onMarketAt(start);
    const inventory = onMarketAt(end);
    const perM2 = sales.filter((r) => r.closingPriceMinor !== null && r.livingAreaM2 !== null && r.livingAreaM2 > 0).map((r) => r.closingPriceMinor! / 100 / r.livingAreaM2!);
    const days = sales.map((r) => Math.floor((r.closedAt!.getTime() - r.publishedAt.getTime()) / dayMs));
    const available = inventoryStart + newListings;
    out.push({
      period: periodLabel(key, frequency),
      sold: sales.length,
      newListings,
      inventory,
      medianPricePerM2: roundOrNull(median(perM2), 2),
      medianDaysOnMarket: median(days),
      absorptionRate: available > 0 ? roundOrNull(sales.length / available, 4) : null,
      monthsOfSupply: sales.length > 0 ? roundOrNull(inventory / (sales.length / monthsPerPeriod), 2) : null,
    });
  }
  return out;
}

function roundOrNull(value: number | null, decimals: number): number | null {
  return value === null ? null : Math.round(value * 10 ** decimals) / 10 ** decimals;
}

/** The first and last period with any listing activity (publication or closing). */
export function activityRange(records: readonly MarketSaleRecord[], frequency: PeriodFrequency): { first: number; last: number } | null {
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    for (const date of [r.publishedAt, r.closedAt]) {
      if (!date) continue;
      const key = periodKey(date, frequency);
      first = Math.min(first, key);
      last = Math.max(last, key);
    }
  }
  return Number.isFinite(first) ? { first, last } : null;
}
