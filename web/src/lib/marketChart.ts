/**
 * Layout of the market page's index chart: the observed index as a line, the forecast as a
 * dashed line continuing from the last observation, and the forecast's prediction interval as a
 * shaded band. Pure (no DOM), so it is unit-tested; the page draws the SVG.
 */
export interface IndexPoint {
  period: string;
  index: number;
}

export interface ForecastPoint extends IndexPoint {
  lower: number;
  upper: number;
}

export interface MarketChart {
  /** SVG path of the observed index. */
  observed: string;
  /** SVG path of the forecast, starting at the last observation; '' without a forecast. */
  forecast: string;
  /** Closed SVG path of the interval band; '' without a forecast. */
  band: string;
  min: number;
  max: number;
  /** Grid values (index levels) with their y, for labels. */
  ticks: { value: number; y: number }[];
  /** x of the first, last observed and last forecast period with their labels. */
  marks: { label: string; x: number }[];
}

export function layoutMarketChart(
  observed: readonly IndexPoint[],
  forecast: readonly ForecastPoint[],
  size: { width: number; height: number; padding: number },
): MarketChart | null {
  if (observed.length === 0) return null;
  const all = [...observed.map((p) => p.index), ...forecast.flatMap((p) => [p.lower, p.upper, p.index])].filter(Number.isFinite);
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (max - min < 1e-9) {
    min -= 1;
    max += 1;
  }
  const steps = observed.length + forecast.length - 1;
  const left = size.padding + 28; // room for the y labels
  const innerWidth = size.width - left - size.padding;
  const innerHeight = size.height - size.padding * 2;
  const x = (i: number) => left + (steps > 0 ? (innerWidth * i) / steps : innerWidth / 2);
  const y = (value: number) => size.padding + innerHeight * (1 - (value - min) / (max - min));
  const line = (points: { x: number; y: number }[]) => points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const lastIndex = observed.length - 1;
  const last = observed[lastIndex]!;
  const forecastLine = forecast.length ? line([{ x: x(lastIndex), y: y(last.index) }, ...forecast.map((p, k) => ({ x: x(lastIndex + 1 + k), y: y(p.index) }))]) : '';
  const upper = forecast.map((p, k) => ({ x: x(lastIndex + 1 + k), y: y(p.upper) }));
  const lower = forecast.map((p, k) => ({ x: x(lastIndex + 1 + k), y: y(p.lower) })).reverse();
  const anchor = { x: x(lastIndex), y: y(last.index) };
  const band = forecast.length ? `${line([anchor, ...upper, ...lower, anchor])} Z` : '';
  const ticks = [0, 0.5, 1].map((f) => {
    const value = min + (max - min) * f;
    return { value, y: y(value) };
  });
  const marks = [{ label: observed[0]!.period, x: x(0) }];
  if (lastIndex > 0) marks.push({ label: last.period, x: x(lastIndex) });
  if (forecast.length) marks.push({ label: forecast[forecast.length - 1]!.period, x: x(steps) });
  return { observed: line(observed.map((p, i) => ({ x: x(i), y: y(p.index) }))), forecast: forecastLine, band, min, max, ticks, marks };
}
