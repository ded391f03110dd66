/**
 * src/ml: reusable, domain-free ML primitives (DESIGN.md §2). Modules (valuation, market, …)
 * build on these; nothing here knows about properties beyond what a docstring says.
 */
export * from './gbdt/index.js';
export { offer, setComputeThread, setComputeThreadDeadline, computeThreadStats, startComputeThread, OfferedTask, type ComputeFunction } from './compute-thread.js';
export { treeShap, expectedValue, TreeShapExplainer, type ShapExplanation } from './explain/tree-shap.js';
export * from './metrics.js';
export { SplitConformal, type ConformalInterval, type ConformalCalibrationInput, type SplitConformalJson } from './conformal.js';
export { randomSplit, timeSplit, kFold, type Split } from './split.js';
export { KnnIndex, haversineKm, type Neighbour, type KnnQueryOptions } from './knn.js';
export { SpatialIndex, type SpatialNeighbour } from './spatial-index.js';
export { createMatrix, matrixFromRows, matrixRow, selectRows, selectValues, type Matrix } from './matrix.js';
export { createRng, permutation, normal, type Rng } from './random.js';
export { inferColumnTypes, isMissing, parseNumber, parseBoolean, parseDate, type ColumnType, type ColumnKind } from './tabular-types.js';
export { buildFeatures, type FeatureBuildInput, type FeatureSet } from './tabular-features.js';
export { leastSquares, type LeastSquaresOptions, type LeastSquaresResult } from './least-squares.js';
export * from './price-index/index.js';
export * from './timeseries/index.js';
