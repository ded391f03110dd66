import {
  autoForecast, createMatrix, hedonicIndex, periodKey, periodLabel, periodsPerYear, type AutoForecast, type PeriodFrequency, type PriceIndex,
} from '../../ml/index';
import { propertyTypes, type MarketSaleRecord } from '../listings';
import { dominantCurrency } from './market.statistics';

/**
 * The area index and its forecast, from sold listings (docs/market.md). The index is a robust
 * hedonic time-dummy regression of log closing price on log living area, bedrooms, bathrooms,
 * year built and property type, with a light smoothing penalty (λ = 1) so that thin periods lean
 * on their neighbours and empty ones are estimated instead of left out.
 */
export const indexSmoothing = 1;
export const minimumIndexSales = 10;

export interface AreaIndexPoint {
  period: string;
  index: number;
  /** Standard error of log(index), e.g. 0.012 ≈ ±1.2%; null where the period was interpolated. */
  standardError: number | null;
  sales: number;
}

export interface AreaIndex {
  method: 'hedonic';
  frequency: PeriodFrequency;
  currency: string;
  basePeriod: string;
  salesUsed: number;
  residualSd: number;
  points: AreaIndexPoint[];
}

export type IndexOutcome = { ok: true; index: AreaIndex } | { ok: false; reason: string };

export function computeAreaIndex(all: readonly MarketSaleRecord[], frequency: PeriodFrequency): IndexOutcome {
  const { currency, records } = dominantCurrency(all.filter((r) => r.status === 'sold' && r.closedAt !== null && (r.closingPriceMinor ?? 0) > 0));
  if (!currency || records.length < minimumIndexSales) {
    return { ok: false, reason: `an index needs at least ${minimumIndexSales} sales with a closing price; the area has ${records.length}` };
  }
  const period = records.map((r) => periodKey(r.closedAt!, frequency));
  const distinct = new Set(period);
  if (distinct.size < 2) return { ok: false, reason: `an index needs sales in at least 2 ${frequency}s; all ${records.length} sales fall in one` };
  const types = propertyTypes.filter((type) => records.some((r) => r.propertyType === type)).slice(1);
  const cols = 4 + types.length;
  const features = createMatrix(records.length, cols);
  records.forEach((r, i) => {
    const row = i * cols;
    features.values[row] = r.livingAreaM2 && r.livingAreaM2 > 0 ? Math.log(r.livingAreaM2) : Number.NaN;
    features.values[row + 1] = r.bedrooms ?? Number.NaN;
    features.values[row + 2] = r.bathrooms ?? Number.NaN;
    features.values[row + 3] = r.yearBuilt ?? Number.NaN;
    types.forEach((type, j) => {
      features.values[row + 4 + j] = r.propertyType === type ? 1 : 0;
    });
  });
  const logPrice = records.map((r) => Math.log(r.closingPriceMinor! / 100));
  const index: PriceIndex = hedonicIndex({ period, logPrice, features, smoothing: indexSmoothing, robust: true });
  return {
    ok: true,
    index: {
      method: 'hedonic',
      frequency,
      currency,
      basePeriod: periodLabel(index.basePeriod, frequency),
      salesUsed: records.length,
      residualSd: round(index.residualSd, 4),
      points: index.periods.map((key, j) => ({
        period: periodLabel(key, frequency),
        index: round(index.index[j]!, 2),
        standardError: Number.isFinite(index.standardError[j]!) ? round(index.standardError[j]!, 4) : null,
        sales: index.sales[j]!,
      })),
    },
  };
}

export interface AreaForecastPoint {
  period: string;
  index: number;
  lower: number;
  upper: number;
}

export interface AreaForecast {
  horizon: number;
  coverage: number;
  models: string[];
  intervalMethod: AutoForecast['intervalMethod'];
  lastObserved: { period: string; index: number };
  points: AreaForecastPoint[];
  backtest: AutoForecast['backtest'];
}

/** Index periods a forecast needs: enough for the seasonal candidates and a backtest. */
export function minimumForecastPeriods(frequency: PeriodFrequency): number {
  return Math.max(8, periodsPerYear(frequency) + 6);
}

/** Forecasts the index `horizon` periods past its last period; null when the index is too short. */
export function forecastAreaIndex(index: AreaIndex, horizon: number, coverage: number, parse: (label: string) => number): AreaForecast | null {
  if (index.points.length < minimumForecastPeriods(index.frequency)) return null;
  const logLevels = index.points.map((p) => Math.log(p.index));
  const season = periodsPerYear(index.frequency);
  const result = autoForecast(logLevels, { horizon, season, coverage, combine: 'average' });
  const last = index.points[index.points.length - 1]!;
  const lastKey = parse(last.period);
  return {
    horizon,
    coverage,
    models: result.models,
    intervalMethod: result.intervalMethod,
    lastObserved: { period: last.period, index: last.index },
    points: Array.from(result.mean, (mean, k) => ({
      period: periodLabel(lastKey + k + 1, index.frequency),
      index: round(Math.exp(mean), 2),
      lower: round(Math.exp(result.lower[k]!), 2),
      upper: round(Math.exp(result.upper[k]!), 2),
    })),
    backtest: result.backtest.map((b) => ({ ...b, mae: b.mae.map((v) => (Number.isFinite(v) ? round(v, 5) : v)) })),
  };
}

function round(value: number, decimals: number): number {
  return Math.round(value * 10 ** decimals) / 10 ** decimals;
}
