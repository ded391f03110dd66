/**
 * The valuation module's public API (DESIGN.md §3). So far: the general evaluator of issue 5,
 * item 5 — any sales CSV, column types inferred, a GBDT with neighbourhood features, metrics.
 */
export { evaluateCsv, evaluatorGbdtParams, EvaluationInputError, type EvaluateCsvOptions, type EvaluationMetrics, type EvaluationResult, type EvaluationSplit } from './evaluate.js';
