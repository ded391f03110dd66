/**
 * Nearest points on the map: a uniform grid over an equirectangular projection (kilometres),
 * searched ring by ring. Comparables and neighbourhood levels ask for the k nearest of tens of
 * thousands of sales for every sale during training; the brute-force KnnIndex would do that in
 * O(n²) (seconds on King County), the grid in about O(n·k). Distances are exact in the
 * projection, which differs from the great circle by well under 1% within a metro area.
 */

const KM_PER_DEGREE = 111.195;

export interface SpatialNeighbour {
  /** Index of the point, as given to `build`. */
  readonly index: number;
  readonly km: number;
}

export class SpatialIndex {
  private constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
    private readonly cosLat: number,
    private readonly minX: number,
    private readonly minY: number,
    private readonly cell: number,
    private readonly nx: number,
    private readonly ny: number,
    /** Points of cell c are order[start[c] .. start[c + 1]). */
    private readonly start: Int32Array,
    private readonly order: Int32Array,
    readonly size: number,
  ) {}

  /** Indexes the points with finite coordinates; the others are never returned. */
  static build(latitude: ArrayLike<number>, longitude: ArrayLike<number>, targetPerCell = 2): SpatialIndex {
    const n = latitude.length;
    let latSum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(latitude[i]!) && Number.isFinite(longitude[i]!)) {
        latSum += latitude[i]!;
        count++;
      }
    }
    const cosLat = Math.cos(((count > 0 ? latSum / count : 0) * Math.PI) / 180);
    const x = new Float64Array(n).fill(Number.NaN);
    const y = new Float64Array(n).fill(Number.NaN);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(latitude[i]!) && Number.isFinite(longitude[i]!))) continue;
      x[i] = longitude[i]! * cosLat * KM_PER_DEGREE;
      y[i] = latitude[i]! * KM_PER_DEGREE;
      minX = Math.min(minX, x[i]!);
      minY = Math.min(minY, y[i]!);
      maxX = Math.max(maxX, x[i]!);
      maxY = Math.max(maxY, y[i]!);
    }
    if (count === 0) return new SpatialIndex(x, y, cosLat, 0, 0, 1, 1, 1, new Int32Array(2), new Int32Array(0), 0);
    const width = Math.max(maxX - minX, 1e-6);
    const height = Math.max(maxY - minY, 1e-6);
    // Cells sized for about targetPerCell points each if they were spread evenly, at most 4M cells.
    const cells = Math.min(4_000_000, Math.max(1, count / targetPerCell));
    const cell = Math.max(Math.sqrt((width * height) / cells), 1e-4);
    const nx = Math.floor(width / cell) + 1;
    const ny = Math.floor(height / cell) + 1;
    const cellOf = new Int32Array(n).fill(-1);
    const start = new Int32Array(nx * ny + 1);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(x[i]!)) continue;
      const c = Math.floor((y[i]! - minY) / cell) * nx + Math.floor((x[i]! - minX) / cell);
      cellOf[i] = c;
      start[c + 1]!++;
    }
    for (let c = 0; c < nx * ny; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, nx * ny);
    const order = new Int32Array(count);
    for (let i = 0; i < n; i++) if (cellOf[i]! >= 0) order[fill[cellOf[i]!]!++] = i;
    return new SpatialIndex(x, y, cosLat, minX, minY, cell, nx, ny, start, order, count);
  }

  /**
   * The k nearest indexed points to (latitude, longitude), nearest first (ties by index),
   * skipping those for which `accept` returns false.
   */
  nearest(latitude: number, longitude: number, k: number, accept?: (index: number) => boolean): SpatialNeighbour[] {
    const index = new Int32Array(Math.max(k, 0));
    const km = new Float64Array(Math.max(k, 0));
    const found = this.nearestInto(latitude, longitude, k, index, km, accept);
    return Array.from({ length: found }, (_, r) => ({ index: index[r]!, km: km[r]! }));
  }

  /**
   * As nearest, into caller-owned arrays (at least k long) instead of new objects: the indexes
   * and distances (km) of the found points, nearest first. Returns how many were found.
   */
  nearestInto(latitude: number, longitude: number, k: number, outIndex: Int32Array, outKm: Float64Array, accept?: (index: number) => boolean): number {
    if (this.size === 0 || k < 1 || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return 0;
    if (outIndex.length < k || outKm.length < k) throw new RangeError(`the output arrays must hold ${k} entries`);
    const qx = longitude * this.cosLat * KM_PER_DEGREE;
    const qy = latitude * KM_PER_DEGREE;
    const cx = Math.floor((qx - this.minX) / this.cell);
    const cy = Math.floor((qy - this.minY) / this.cell);
    const bestIndex = outIndex;
    const bestDistance = outKm; // squared while searching
    const { x, y, start, order, nx, ny, cell } = this;
    let size = 0;
    // Distance from the query to the grid's bounding box: rings closer than that are empty.
    const maxRing = Math.max(cx, nx - 1 - cx, cy, ny - 1 - cy, 0);
    // Every point in ring r or beyond is at least (r − 1) cells plus the query's distance to the
    // nearest side of its own cell away.
    const fx = qx - this.minX - cx * cell;
    const fy = qy - this.minY - cy * cell;
    const inside = Math.max(0, Math.min(fx, cell - fx, fy, cell - fy));
    for (let ring = 0; ring <= maxRing; ring++) {
      if (size === k && ring > 0 && ((ring - 1) * cell + inside) ** 2 > bestDistance[k - 1]!) break;
      for (let gy = cy - ring; gy <= cy + ring; gy++) {
        if (gy < 0 || gy >= ny) continue;
        const edge = gy === cy - ring || gy === cy + ring;
        for (let gx = cx - ring; gx <= cx + ring; gx += edge ? 1 : 2 * ring) {
          if (gx >= 0 && gx < nx) {
            // The cell's points, in one loop with everything in locals (no closure: a closure
            // over the mutable `size` made V8 keep it in a heap context, 2× slower).
            const c = gy * nx + gx;
            const end = start[c + 1]!;
            for (let p = start[c]!; p < end; p++) {
              const i = order[p]!;
              const dx = x[i]! - qx;
              const dy = y[i]! - qy;
              const d = dx * dx + dy * dy;
              const full = size === k;
              if (full && (d > bestDistance[k - 1]! || (d === bestDistance[k - 1]! && i > bestIndex[k - 1]!))) continue;
              if (accept && !accept(i)) continue;
              let at = full ? k - 1 : size;
              if (!full) size++;
              while (at > 0 && (bestDistance[at - 1]! > d || (bestDistance[at - 1]! === d && bestIndex[at - 1]! > i))) {
                bestDistance[at] = bestDistance[at - 1]!;
                bestIndex[at] = bestIndex[at - 1]!;
                at--;
              }
              bestDistance[at] = d;
              bestIndex[at] = i;
            }
          }
          if (ring === 0) break;
        }
      }
    }
    for (let r = 0; r < size; r++) bestDistance[r] = Math.sqrt(bestDistance[r]!);
    return size;
  }
}
