import {
  autoForecast, createMatrix, hedonicIndex, periodKey, periodLabel, periodsPerYear, type AutoForecast, type PeriodFrequency, type PriceIndex,
} from '../../ml/index';
import { propertyTypes, type MarketSaleRecord } from '../listings';
import { dominantCurrency } from './market.statistics';

/**
 * The area index and its forecast, from sold listings (docs/market.md). The index is a robust
 * hedonic time-dummy regression of log closing price on log living area, bedrooms, bathrooms,
 * year built, property type and location (a quadratic surface in latitude/longitude, plus a
 * fixed effect per postal district), with a light smoothing penalty (λ = 1) so that thin periods
 * lean on their neighbours and empty ones are estimated instead of left out.
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
  const base = 9;
  const cols = base + types.length;
  const located = records.filter((r) => r.latitude !== null && r.longitude !== null);
  const centre = located.length
    ? { lat: located.reduce((s, r) => s + r.latitude!, 0) / located.length, lon: located.reduce((s, r) => s + r.longitude!, 0) / located.length }
    : { lat: 0, lon: 0 };
  const features = createMatrix(records.length, cols);
  records.forEach((r, i) => {
    const row = i * cols;
    features.values[row] = r.livingAreaM2 && r.livingAreaM2 > 0 ? Math.log(r.livingAreaM2) : Number.NaN;
    features.values[row + 1] = r.bedrooms ?? Number.NaN;
    features.values[row + 2] = r.bathrooms ?? Number.NaN;
    features.values[row + 3] = r.yearBuilt ?? Number.NaN;
    // Location: offsets from the area's centre and their quadratic terms (NaN when unknown).
    const dLat = r.latitude === null ? Number.NaN : r.latitude - centre.lat;
    const dLon = r.longitude === null ? Number.NaN : r.longitude - centre.lon;
    features.values[row + 4] = dLat;
    features.values[row + 5] = dLon;
    features.values[row + 6] = dLat * dLat;
    features.values[row + 7] = dLon * dLon;
    features.values[row + 8] = dLat * dLon;
    types.forEach((type, j) => {
      features.values[row + base + j] = r.propertyType === type ? 1 : 0;
    });
  });
  // A price level per postal district (listings without one share a level).
  const districts = new Map<string, number>();
  const groups = records.map((r) => {
    const key = r.postalDistrict ?? '';
    if (!districts.has(key)) districts.set(key, districts.size);
    return districts.get(key)!;
  });
  const logPrice = records.map((r) => Math.log(r.closingPriceMinor! / 100));
  const index: PriceIndex = hedonicIndex({ period, logPrice, features, groups, smoothing: indexSmoothing, robust: true });
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
