/**
 * A market outlook: monthly log levels of a price index for the AVM's market, observed and
 * forecast past the training sales. The sales show the market only up to the last one; a value
 * for a later date needs to know where the market went since (the spring rise of King County's
 * 2015, which no sale before February shows). The AVM moves a value for a date after its last
 * fitted sale by the outlook's change since then (model.ts, `driftAt`).
 *
 * `quarterlyOutlook` builds one from a quarterly, not seasonally adjusted index (e.g. FHFA's
 * state index) with the forecasting of src/ml/timeseries — the market module's own forecast
 * (`autoForecast`, seasonal candidates averaged) — so the usual spring rise and winter dip of the
 * index's past years carry into the forecast.
 */
import { autoForecast, createMatrix, hedonicIndex } from '../../../ml/index.js';
import { monthOf } from './features.js';
import { SalesInputError, type SalesTable } from './sales.js';

export interface MarketOutlook {
  /** Month key (year · 12 + month, 0-based) of values[0]. */
  readonly firstMonth: number;
  /** Log level of each month from firstMonth (observed, then forecast); differences matter, not the level. */
  readonly values: readonly number[];
  /** The last month that was observed rather than forecast. */
  readonly lastObservedMonth: number;
  /** Where it came from, for the reader (e.g. "FHFA HPI, WA, NSA, to 2014Q3"). */
  readonly source: string;
}

const DAY_MS = 86_400_000;

/** The outlook's log level at a time: linear between the middles of its months, flat beyond its ends. */
export function outlookLevel(outlook: MarketOutlook, time: number): number {
  const { values } = outlook;
  if (values.length === 0 || !Number.isFinite(time)) return 0;
  const date = new Date(time);
  const month = monthOf(time) - outlook.firstMonth;
  const days = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)).getTime() / DAY_MS - new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)).getTime() / DAY_MS;
  // Position in months from the middle of firstMonth.
  const position = month + (date.getUTCDate() - 1 + (time % DAY_MS) / DAY_MS) / days - 0.5;
  if (position <= 0) return values[0]!;
  if (position >= values.length - 1) return values[values.length - 1]!;
  const m = Math.floor(position);
  return values[m]! + (values[m + 1]! - values[m]!) * (position - m);
}

/**
 * An outlook from quarterly index levels (at least three years, in order, without gaps): the
 * next `horizon` quarters forecast by `autoForecast` (season 4, candidates averaged), each
 * quarter's level placed at its middle month and the months between interpolated linearly.
 */
export function quarterlyOutlook(points: readonly { year: number; quarter: number; index: number }[], options: { horizon?: number; source: string }): MarketOutlook {
  if (points.length < 12) throw new RangeError(`a quarterly outlook needs at least 12 quarters, got ${points.length}`);
  const key = (p: { year: number; quarter: number }) => p.year * 4 + p.quarter - 1;
  points.forEach((p, i) => {
    if (!(p.index > 0) || (i > 0 && key(p) !== key(points[i - 1]!) + 1)) throw new RangeError(`quarterly index levels must be positive and consecutive (at ${p.year}Q${p.quarter})`);
  });
  const logLevels = points.map((p) => Math.log(p.index));
  const horizon = options.horizon ?? 4;
  const forecast = autoForecast(logLevels, { horizon, season: 4, combine: 'average' });
  const levels = [...logLevels, ...forecast.mean];
  // Quarter q's middle month: year · 12 + 3q + 1.
  const middle = (k: number) => Math.floor(k / 4) * 12 + (k % 4) * 3 + 1;
  const first = key(points[0]!);
  const values: number[] = [];
  for (let k = 0; k + 1 < levels.length; k++) {
    for (let step = 0; step < 3; step++) values.push(levels[k]! + ((levels[k + 1]! - levels[k]!) * step) / 3);
  }
  values.push(levels[levels.length - 1]!);
  return { firstMonth: middle(first), values, lastObservedMonth: middle(key(points[points.length - 1]!)), source: options.source };
}

export interface QuarterlyPoint {
  readonly year: number;
  readonly quarter: number;
  readonly index: number;
}

/** Days after a quarter ends before its index figure is published (FHFA: about two months). */
export const INDEX_PUBLICATION_LAG_DAYS = 60;

/**
 * Reads a quarterly, not seasonally adjusted price index from CSV or TSV text: with a header
 * naming `year`, `quarter` (or `qtr`) and `index` (or `index_nsa`, `hpi`), optionally a region
 * column; without a header, FHFA's layout `region, year, quarter, index`. With `region`, only its
 * rows. Any unreadable line throws a SalesInputError naming the line.
 */
export function readQuarterlyIndex(text: string, options: { region?: string } = {}): QuarterlyPoint[] {
  const lines = text.split(/\r?\n/);
  const split = (line: string) => line.split(line.includes('\t') ? '\t' : ',').map((cell) => cell.trim().replace(/^"|"$/g, ''));
  const first = split(lines[0] ?? '').map((cell) => cell.toLowerCase());
  const column = (...names: string[]) => first.findIndex((cell) => names.includes(cell));
  const hasHeader = column('year', 'yr') >= 0;
  const at = hasHeader
    ? { region: column('region', 'state', 'area', 'place_id', 'geo'), year: column('year', 'yr'), quarter: column('quarter', 'qtr', 'period'), index: column('index', 'index_nsa', 'hpi', 'value') }
    : { region: 0, year: 1, quarter: 2, index: 3 };
  if (at.year < 0 || at.quarter < 0 || at.index < 0) {
    throw new SalesInputError('The index file needs year, quarter and index columns (a header naming them, or FHFA\'s layout: region, year, quarter, index).');
  }
  if (options.region !== undefined && at.region < 0) throw new SalesInputError(`The index file has no region column to pick "${options.region}" from.`);
  const points: QuarterlyPoint[] = [];
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = split(lines[i]!);
    if (options.region !== undefined && cells[at.region] !== options.region) continue;
    const [year, quarter, index] = [Number(cells[at.year]), Number(cells[at.quarter]), Number(cells[at.index])];
    if (!Number.isInteger(year) || year < 1800 || year > 2200 || ![1, 2, 3, 4].includes(quarter) || !(index > 0)) {
      throw new SalesInputError(`Line ${i + 1} of the index file: expected a year, a quarter 1-4 and a positive index, got "${lines[i]}".`);
    }
    points.push({ year, quarter, index });
  }
  if (points.length === 0) throw new SalesInputError(options.region !== undefined ? `The index file has no rows for region "${options.region}".` : 'The index file has no rows.');
  return points.sort((a, b) => a.year - b.year || a.quarter - b.quarter);
}

/**
 * The outlook a model trained up to `cutoff` (its last fitted sale) could have had: only the
 * quarters published by then (ended at least INDEX_PUBLICATION_LAG_DAYS before), forecast
 * `horizon` quarters on. Null when fewer than 12 such quarters exist.
 */
export function outlookAsOf(points: readonly QuarterlyPoint[], cutoff: number, source: string, horizon = 4): MarketOutlook | null {
  const published = points.filter((p) => Date.UTC(p.year, p.quarter * 3, 1) + INDEX_PUBLICATION_LAG_DAYS * DAY_MS <= cutoff);
  if (published.length < 12) return null;
  const last = published[published.length - 1]!;
  return quarterlyOutlook(published, { horizon, source: `${source}, to ${last.year}Q${last.quarter}` });
}

/**
 * The outlook of sales that come without an outside index (the platform's own sold listings):
 * a quarterly hedonic time-dummy index of the sales themselves (src/ml's `hedonicIndex`: log
 * price on log size, the numeric columns, a quadratic surface in the coordinates, and a fixed
 * effect per categorical column's first category set, λ = 1 smoothing, robust), over the
 * quarters that ended by `cutoff` (a quarter still under way is left out: its level rests on
 * part of its sales), forecast `horizon` quarters on like an outside index. Null, with the
 * reason, when fewer than 12 complete quarters (three years) of sales exist or the index cannot
 * be fitted.
 */
export function salesOutlook(table: SalesTable, cutoff: number, horizon = 4): { outlook: MarketOutlook } | { outlook: null; reason: string } {
  const quarterOf = (time: number) => Math.floor(monthOf(time) / 3);
  // Quarters that ended by the cutoff: the cutoff's own quarter is still under way.
  const lastComplete = quarterOf(cutoff) - 1;
  const rows: number[] = [];
  for (let i = 0; i < table.price.length; i++) {
    const t = table.soldAt[i]!;
    if (Number.isFinite(t) && t <= cutoff && quarterOf(t) <= lastComplete && table.price[i]! > 0) rows.push(i);
  }
  if (rows.length === 0) return { outlook: null, reason: 'no sales in a complete quarter before the last training sale' };
  const quarters = rows.map((i) => quarterOf(table.soldAt[i]!));
  const firstQuarter = quarters.reduce((a, b) => Math.min(a, b));
  const span = lastComplete - firstQuarter + 1;
  if (span < 12) return { outlook: null, reason: `the sales span ${span} complete quarter${span === 1 ? '' : 's'}; an outlook from them needs 12 (three years)` };
  const numeric = table.columns.flatMap((c, j) => (c.kind === 'numeric' ? [j] : []));
  const sizeColumn = table.columns.findIndex((c) => c.name === table.sizeColumn);
  const latitude = rows.reduce((s, i) => s + table.latitude[i]!, 0) / rows.length;
  const longitude = rows.reduce((s, i) => s + table.longitude[i]!, 0) / rows.length;
  const cols = numeric.length + 5;
  const features = createMatrix(rows.length, cols);
  rows.forEach((i, r) => {
    const at = r * cols;
    numeric.forEach((j, k) => {
      const v = table.values[j]![i]!;
      features.values[at + k] = j === sizeColumn ? (v > 0 ? Math.log(v) : Number.NaN) : v;
    });
    const dLat = table.latitude[i]! - latitude;
    const dLng = table.longitude[i]! - longitude;
    features.values.set([dLat, dLng, dLat * dLat, dLng * dLng, dLat * dLng], at + numeric.length);
  });
  const categorical = table.columns.findIndex((c) => c.kind === 'categorical');
  let index;
  try {
    index = hedonicIndex({
      period: quarters,
      logPrice: rows.map((i) => Math.log(table.price[i]!)),
      features,
      smoothing: 1,
      ...(categorical >= 0 ? { groups: rows.map((i) => (Number.isNaN(table.values[categorical]![i]!) ? -1 : table.values[categorical]![i]!)) } : {}),
    });
  } catch (error) {
    return { outlook: null, reason: `the sales' own index could not be fitted: ${(error as Error).message}` };
  }
  const points: QuarterlyPoint[] = index.periods.map((q, k) => ({ year: Math.floor(q / 4), quarter: (q % 4) + 1, index: index.index[k]! }));
  if (points.some((p) => !(p.index > 0) || !Number.isFinite(p.index))) return { outlook: null, reason: 'the sales\' own index has periods it could not estimate' };
  const last = points[points.length - 1]!;
  return { outlook: quarterlyOutlook(points, { horizon, source: `the sales' own quarterly hedonic index, to ${last.year}Q${last.quarter}` }) };
}
