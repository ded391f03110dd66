/**
 * A dense row-major matrix of float64 features. Missing values are NaN. Row-major because the
 * consumers (the GBDT's binner, kNN, single-row prediction) read whole rows.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** values[i * cols + j] is feature j of row i. */
  readonly values: Float64Array;
}

export function createMatrix(rows: number, cols: number, values?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`matrix shape must be non-negative integers, got ${rows}x${cols}`);
  }
  const data = values ?? new Float64Array(rows * cols);
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix of ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  return { rows, cols, values: data };
}

/** Builds a matrix from an array of rows; every row must have the same length. */
export function matrixFromRows(rows: readonly (ArrayLike<number>)[]): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0]!.length;
  const values = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`row ${i} has ${row.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) values[i * cols + j] = row[j]!;
  });
  return { rows: rows.length, cols, values };
}

/** A view of row i (no copy). */
export function matrixRow(matrix: Matrix, i: number): Float64Array {
  return matrix.values.subarray(i * matrix.cols, (i + 1) * matrix.cols);
}

/** A new matrix with the given rows, in the given order. */
export function selectRows(matrix: Matrix, indices: ArrayLike<number>): Matrix {
  const { cols } = matrix;
  const values = new Float64Array(indices.length * cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (i < 0 || i >= matrix.rows) throw new RangeError(`row ${i} is outside 0..${matrix.rows - 1}`);
    values.set(matrix.values.subarray(i * cols, (i + 1) * cols), k * cols);
  }
  return { rows: indices.length, cols, values };
}

/** The entries of a vector at the given indices. */
export function selectValues(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]!]!;
  return out;
}
