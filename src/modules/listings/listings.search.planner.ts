import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { BoundingBox, SearchSort } from './listings.search';

/**
 * How a map box is searched (docs/listings.md, "Map boxes"). PostgreSQL estimates `point <@ box`
 * at a fixed 0.1% of the table, so it cannot tell a street from a capital; this module supplies
 * the estimate from an in-process grid of listing counts and picks one of three walks, which the
 * repository then writes in a form that leaves the planner no other good choice:
 *
 * - `spatial`: the covering GiST index, every listing in the box, then the top of the sort.
 *   Best when the box holds few listings (a street, a village), and for distance sorts.
 * - `cells`: for city-sized boxes, one ordered walk per quarter-degree cell the box touches
 *   over (geo_cell, sort key) indexes, merged; each walk stops after a page of matches.
 * - `ordered`: for regions too large for cells, the sort-order index, dropping rows outside the
 *   box; stops after a page of matches, so best when the box holds much of the data.
 */
export type BoxAccess = 'spatial' | 'ordered' | { cells: number[] };

/** Quarter-degree cells, numbered as SQL's listings_geo_cell(latitude, longitude). */
export function geoCell(latitude: number, longitude: number): number {
  return cellNumber(Math.floor(latitude * 4), Math.floor(longitude * 4));
}

const cellNumber = (row: number, column: number) => (row + 360) * 1500 + (column + 720);

/** The geo cells a box touches, or null when there are more than `max`. */
export function geoCellsOf([minLng, minLat, maxLng, maxLat]: BoundingBox, max = 16): number[] | null {
  const [south, north] = [Math.floor(minLat * 4), Math.floor(maxLat * 4)];
  const [west, east] = [Math.floor(minLng * 4), Math.floor(maxLng * 4)];
  if ((north - south + 1) * (east - west + 1) > max) return null;
  const cells: number[] = [];
  for (let row = south; row <= north; row++) for (let column = west; column <= east; column++) cells.push(cellNumber(row, column));
  return cells;
}

/** Density cells of 0.02° (about 2 km), keyed by their south-west corner. */
const densityCellsPerDegree = 50;
const densityKey = (latitudeCell: number, longitudeCell: number) => (latitudeCell + 4500) * 20_000 + (longitudeCell + 9000);

export interface DensityCell {
  latitude_cell: number;
  longitude_cell: number;
  count: number;
}

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
    if (this.clock.now().getTime() - this.loadedAt < this.maxAgeMs) return;
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

  get totalCount(): number {
    return this.total;
  }

  /** Public listings inside the box, assuming listings spread evenly within a 2 km cell. */
  estimate([minLng, minLat, maxLng, maxLat]: BoundingBox): number {
    const size = 1 / densityCellsPerDegree;
    const south = Math.floor(minLat * densityCellsPerDegree);
    const north = Math.floor(maxLat * densityCellsPerDegree);
    const west = Math.floor(minLng * densityCellsPerDegree);
    const east = Math.floor(maxLng * densityCellsPerDegree);
    const overlap = (latitudeCell: number, longitudeCell: number) => {
      const lat = Math.min(maxLat, (latitudeCell + 1) * size) - Math.max(minLat, latitudeCell * size);
      const lng = Math.min(maxLng, (longitudeCell + 1) * size) - Math.max(minLng, longitudeCell * size);
      return lat > 0 && lng > 0 ? (lat * lng) / (size * size) : 0;
    };
    let sum = 0;
    if ((north - south + 1) * (east - west + 1) <= this.cells.size) {
      for (let latitudeCell = south; latitudeCell <= north; latitudeCell++) {
        for (let longitudeCell = west; longitudeCell <= east; longitudeCell++) {
          const count = this.cells.get(densityKey(latitudeCell, longitudeCell));
          if (count) sum += count * overlap(latitudeCell, longitudeCell);
        }
      }
      return sum;
    }
    for (const [key, count] of this.cells) {
      sum += count * overlap(Math.floor(key / 20_000) - 4500, (key % 20_000) - 9000);
    }
    return sum;
  }

  private refresh(): Promise<void> {
    this.loading ??= this.load()
      .then((rows) => {
        const cells = new Map<number, number>();
        let total = 0;
        for (const row of rows) {
          cells.set(densityKey(row.latitude_cell, row.longitude_cell), row.count);
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

export const densityCellSize = 1 / densityCellsPerDegree;

/**
 * The walk for a map-box search, by estimated cost per index entry visited (measured on
 * PostgreSQL 15 at 100,000 listings: GiST index-only ≈ 1 µs, covering btree ≈ 0.35 µs). Boxes
 * holding a few hundred listings or less are always walked spatially: that is cheap whatever
 * the sort. `boxes` are the boxes searched (two when a radius crosses the antimeridian).
 */
export function chooseBoxAccess(sort: SearchSort, boxes: BoundingBox[], inBox: number, total: number, limit: number): BoxAccess {
  if (sort === 'relevance' || sort === 'distance' || total <= 0 || inBox <= 300) return 'spatial';
  if (sort === 'newest' || sort === 'price_asc' || sort === 'price_desc') {
    const cells = boxes.map((box) => geoCellsOf(box));
    if (cells.every((item): item is number[] => item !== null)) {
      const all = [...new Set(cells.flat())];
      if (all.length <= 16) return { cells: all };
    }
  }
  // Price and area correlate with place (a region's cheapest homes are not the country's), so
  // the ordered walk is charged five times more for those sorts; 1/4 of listings are taken to
  // pass the other filters.
  const correlationPenalty = sort === 'newest' ? 1 : 5;
  const spatialCost = 1.0 * inBox;
  const orderedCost = (0.35 * correlationPenalty * (limit + 1) * total) / (Math.min(inBox, total) * 0.25);
  return orderedCost < spatialCost ? 'ordered' : 'spatial';
}
