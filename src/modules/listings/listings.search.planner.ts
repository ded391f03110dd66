import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { BoundingBox, SearchSort } from './listings.search';

/** Grid cells of 0.1° (about 11 km north–south), keyed by their south-west corner. */
const cellsPerDegree = 10;
const cellKey = (latitudeCell: number, longitudeCell: number) => (latitudeCell + 900) * 4000 + (longitudeCell + 1800);

export interface DensityCell {
  latitude_cell: number;
  longitude_cell: number;
  count: number;
}

/**
 * How a map box is searched. PostgreSQL estimates `point <@ box` at a fixed 0.1% of the table, so
 * it cannot tell a street (where walking the GiST index is best) from a capital city (where
 * walking the sort-order index and dropping rows outside the box finds a page after a few hundred
 * entries, while the GiST walk would visit ten thousand). This in-process grid of public listing
 * counts supplies the estimate; the repository then writes the box test in the form that steers
 * the planner: `location <@ box` (indexable: spatial) or `coalesce(location <@ box, false)`
 * (opaque, estimated at 50%: ordered).
 */
export type BoxAccess = 'spatial' | 'ordered';

export class DensityGrid {
  private cells = new Map<number, number>();
  private total = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<DensityCell[]>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** Loads the grid on first use; afterwards refreshes it in the background when it is stale. */
  async ensureFresh(): Promise<void> {
    const age = this.clock.now().getTime() - this.loadedAt;
    if (age < this.maxAgeMs) return;
    const refresh = this.refresh();
    if (this.loadedAt === Number.NEGATIVE_INFINITY) await refresh;
  }

  /** After bulk writes: the next search reloads the grid. */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** Waits for a background refresh (module shutdown). */
  async settle(): Promise<void> {
    await this.loading;
  }

  /** Public listings inside the box, assuming listings spread evenly within a cell. */
  estimate([minLng, minLat, maxLng, maxLat]: BoundingBox): number {
    let sum = 0;
    const size = 1 / cellsPerDegree;
    for (const [key, count] of this.cells) {
      const latitudeCell = Math.floor(key / 4000) - 900;
      const longitudeCell = (key % 4000) - 1800;
      const south = latitudeCell * size;
      const west = longitudeCell * size;
      const overlapLat = Math.min(maxLat, south + size) - Math.max(minLat, south);
      const overlapLng = Math.min(maxLng, west + size) - Math.max(minLng, west);
      if (overlapLat > 0 && overlapLng > 0) sum += (count * overlapLat * overlapLng) / (size * size);
    }
    return sum;
  }

  get totalCount(): number {
    return this.total;
  }

  private refresh(): Promise<void> {
    this.loading ??= this.load()
      .then((rows) => {
        const cells = new Map<number, number>();
        let total = 0;
        for (const row of rows) {
          cells.set(cellKey(row.latitude_cell, row.longitude_cell), row.count);
          total += row.count;
        }
        this.cells = cells;
        this.total = total;
        this.loadedAt = this.clock.now().getTime();
      })
      .catch((error: unknown) => {
        // Only the plan choice suffers; search stays correct with the spatial default.
        this.logger.warn({ err: error }, 'could not load the search density grid');
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}

/**
 * Compares the two plans' costs per index entry visited (measured on PostgreSQL 15: GiST
 * index-only ≈ 0.6 µs, covering btree ≈ 0.35 µs): the spatial walk visits every listing in the
 * box, the ordered walk about (limit / share of listings in the box / share passing the other
 * filters, taken as 1/4). Price and area correlate with place (a city's cheapest homes are not
 * the country's), so the ordered walk is charged five times more for those sorts.
 */
export function chooseBoxAccess(sort: SearchSort, inBox: number, total: number, limit: number): BoxAccess {
  if (sort === 'relevance' || sort === 'distance' || total <= 0 || inBox <= 0) return 'spatial';
  const correlationPenalty = sort === 'newest' ? 1 : 5;
  const spatialCost = 0.6 * inBox;
  const orderedCost = (0.35 * correlationPenalty * (limit + 1) * total) / (Math.min(inBox, total) * 0.25);
  return orderedCost < spatialCost ? 'ordered' : 'spatial';
}
