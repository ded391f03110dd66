import type { PriceHistoryEntry } from '../api/types';

export interface ChartPoint {
  x: number;
  y: number;
  entry: PriceHistoryEntry;
}

export interface PriceChart {
  points: ChartPoint[];
  /** SVG path of a step line: a price holds until the next change, then jumps. */
  path: string;
  minAmount: number;
  maxAmount: number;
}

/**
 * Lays out a price history in a width x height box (with padding), oldest left. Entries are
 * sorted by time; a flat history is drawn through the middle. The line continues to `now`, so
 * the current price shows as a horizontal run up to today.
 */
export function layoutPriceChart(
  entries: readonly PriceHistoryEntry[],
  size: { width: number; height: number; padding: number },
  now: Date = new Date(),
): PriceChart | null {
  const sorted = entries
    .filter((entry) => !Number.isNaN(Date.parse(entry.changedAt)))
    .slice()
    .sort((a, b) => Date.parse(a.changedAt) - Date.parse(b.changedAt));
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return null;
  const startTime = Date.parse(first.changedAt);
  const endTime = Math.max(now.getTime(), Date.parse(last.changedAt));
  const amounts = sorted.map((entry) => entry.price.amountMinor);
  const minAmount = Math.min(...amounts);
  const maxAmount = Math.max(...amounts);
  const innerWidth = size.width - size.padding * 2;
  const innerHeight = size.height - size.padding * 2;
  const x = (time: number) =>
    endTime === startTime ? size.padding : size.padding + ((time - startTime) / (endTime - startTime)) * innerWidth;
  const y = (amount: number) =>
    maxAmount === minAmount
      ? size.padding + innerHeight / 2
      : size.padding + (1 - (amount - minAmount) / (maxAmount - minAmount)) * innerHeight;
  const round = (value: number) => Math.round(value * 10) / 10;
  const points = sorted.map((entry) => ({
    x: round(x(Date.parse(entry.changedAt))),
    y: round(y(entry.price.amountMinor)),
    entry,
  }));
  const segments: string[] = [];
  points.forEach((point, index) => {
    if (index === 0) {
      segments.push(`M${point.x} ${point.y}`);
    } else {
      segments.push(`H${point.x}`, `V${point.y}`);
    }
  });
  segments.push(`H${round(endTime === startTime ? size.width - size.padding : x(endTime))}`);
  return { points, path: segments.join(' '), minAmount, maxAmount };
}
