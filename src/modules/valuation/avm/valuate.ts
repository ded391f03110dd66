/**
 * One valuation: the value, the 80% range, a confidence grade with its reasons, the
 * comparables used and an explanation that adds up to the value.
 *
 * Explanation. TreeSHAP splits the GBDT's log value into a base (the average over the training
 * sales) and one contribution per feature. The blend adds β × the comparables' mean residual,
 * reported as one more contribution, "comparable sales". Columns are reported one by one; the
 * place features (coordinates and their rotations) form "location", the neighbourhood levels
 * "neighbourhood prices", the sale day "market date". In log points the contributions add up to
 * log value − log base exactly; in money, each gets the share of (value − base value) that its
 * log contribution has of the total, so the amounts add up to the value too.
 */
import { expectedValue, TreeShapExplainer, type GbdtModel } from '../../../ml/index.js';
import { ROTATIONS } from './features.js';
import type { Avm } from './model.js';

export type Grade = 'A' | 'B' | 'C' | 'D';

export interface Comparable {
  readonly ref: string;
  readonly price: number;
  readonly soldAt: string | null;
  readonly distanceKm: number;
  readonly size: number | null;
  /** Its price adjusted to the subject by the model (features, place and date). */
  readonly adjustedValue: number;
  /** Share of the comparables estimate. */
  readonly weight: number;
}

export interface Contribution {
  readonly feature: string;
  /** The subject's value of the column (null for groups and missing values). */
  readonly value: number | string | null;
  readonly logContribution: number;
  readonly amount: number;
}

export interface AvmValuation {
  readonly value: number;
  readonly range: { readonly lower: number; readonly upper: number; readonly coverage: number };
  readonly confidence: { readonly grade: Grade; readonly lowConfidence: boolean; readonly reasons: string[] };
  /** The GBDT alone and the comparables alone; the value blends them. */
  readonly modelValue: number;
  readonly comparablesValue: number;
  readonly comparablesWeight: number;
  readonly comparables: Comparable[];
  readonly explanation: { readonly baseValue: number; readonly contributions: Contribution[] } | null;
}

export interface ValuationSubject {
  /** Column values by name: numbers, or the text of a category. */
  readonly values: Readonly<Record<string, number | string | null | undefined>>;
  readonly latitude: number;
  readonly longitude: number;
  /** The date the value is for (ms since the epoch). */
  readonly at: number;
}

export function valueSubject(avm: Avm, subject: ValuationSubject, options: { explain?: boolean } = {}): AvmValuation {
  const { table, gbdt, blend, conformal, domain } = avm.parts;
  const encoded = avm.encode(subject.values);
  const row = avm.featureRow(encoded, subject.latitude, subject.longitude, subject.at);
  const modelLog = gbdt.predict(row);
  const size = avm.sizeOf(encoded);
  const comps = avm.comparables(subject.latitude, subject.longitude, size);
  const { logValue, comparablesLog, market } = avm.blendLog(modelLog, comps, subject.at);
  const value = Math.exp(logValue);
  const interval = conformal.priceInterval(logValue);
  const totalWeight = comps.reduce((sum, c) => sum + c.weight, 0);
  const sizeColumn = table.columns.findIndex((c) => c.name === table.sizeColumn);
  const comparables: Comparable[] = comps.map((c) => ({
    ref: table.refs[c.index]!,
    price: table.price[c.index]!,
    soldAt: Number.isFinite(table.soldAt[c.index]!) ? new Date(table.soldAt[c.index]!).toISOString().slice(0, 10) : null,
    distanceKm: round(c.km, 3),
    size: sizeColumn >= 0 && !Number.isNaN(table.values[sizeColumn]![c.index]!) ? table.values[sizeColumn]![c.index]! : null,
    adjustedValue: Math.round(Math.exp(modelLog + avm.residual[c.index]!)),
    weight: round(c.weight / totalWeight, 4),
  }));

  // Confidence: what makes this number less trustworthy than the typical test sale.
  const reasons: string[] = [];
  let grade = 0; // 0 = A … 3 = D
  const worse = (level: number, reason: string) => {
    grade = Math.max(grade, level);
    reasons.push(reason);
  };
  const nearestKm = comps.length > 0 ? Math.min(...comps.map((c) => c.km)) : Infinity;
  if (nearestKm > domain.farKm) worse(3, `the nearest known sale is ${nearestKm.toFixed(1)} km away; the model knows this area only within about ${domain.farKm.toFixed(1)} km of a sale`);
  else if (nearestKm > domain.typicalKm * 3) worse(2, `few sales nearby: the nearest is ${nearestKm.toFixed(1)} km away (typically ${domain.typicalKm.toFixed(2)} km)`);
  table.columns.forEach((column, c) => {
    const v = encoded[c]!;
    const importance = domain.importance[column.name] ?? 0;
    if (Number.isNaN(v)) {
      if (column.kind === 'categorical' && subject.values[column.name] !== undefined && subject.values[column.name] !== null) {
        if (importance >= 0.02) worse(1, `${column.name} "${String(subject.values[column.name])}" never occurs in the training sales`);
      } else if (importance >= 0.05) worse(importance >= 0.15 ? 3 : 2, `${column.name} is missing, and it carries ${(importance * 100).toFixed(0)}% of the model's splits`);
      else if (importance >= 0.01) worse(1, `${column.name} is missing`);
      return;
    }
    const range = domain.ranges[column.name];
    if (!range) return;
    const [min, p1, p99, max] = range;
    if (v < min || v > max) worse(3, `${column.name} = ${v} is outside every training sale (${min}–${max}); the model cannot extrapolate`);
    else if ((v < p1 || v > p99) && importance >= 0.01) worse(1, `${column.name} = ${v} is unusual (98% of sales lie within ${p1}–${p99})`);
  });
  const spread = weightedDeviation(comps.map((c) => ({ weight: c.weight, value: avm.residual[c.index]! })));
  if (spread > 0.3) worse(2, `the comparables disagree: their adjusted values spread by ±${Math.round(spread * 100)}%`);
  else if (spread > 0.15) worse(1, `the comparables spread by ±${Math.round(spread * 100)}% around the value`);
  if (reasons.length === 0 && nearestKm > domain.typicalKm) worse(1, 'an ordinary valuation: no comparable within the typical distance of a sale');
  const gradeLetter = (['A', 'B', 'C', 'D'] as const)[grade]!;
  if (reasons.length === 0) reasons.push('close comparables that agree, and every feature within the range of the training sales');

  return {
    value: Math.round(value),
    range: { lower: Math.round(interval.lower), upper: Math.round(interval.upper), coverage: conformal.coverage },
    confidence: { grade: gradeLetter, lowConfidence: gradeLetter === 'D', reasons },
    modelValue: Math.round(Math.exp(modelLog)),
    comparablesValue: Math.round(Math.exp(comparablesLog)),
    comparablesWeight: blend.beta,
    comparables,
    explanation: options.explain === false ? null : explain(avm, row, encoded, subject, logValue - modelLog - market, market, value),
  };
}

function explain(avm: Avm, row: Float64Array, encoded: Float64Array, subject: ValuationSubject, comparablesLog: number, marketLog: number, value: number) {
  const { table, gbdt } = avm.parts;
  // One player per column, one for the place (coordinates and rotations), one for the sale day,
  // one for the neighbourhood levels: exact Shapley values of the groups the reader sees.
  const columns = table.columns.length;
  const shap = explainerOf(gbdt, columns).explain(row);
  const base = expectedValue(gbdt);
  const parts: { feature: string; value: number | string | null; log: number }[] = table.columns.map((column, c) => ({
    feature: column.name,
    value: Number.isNaN(encoded[c]!) ? null : column.kind === 'categorical' ? column.categories![encoded[c]!]! : encoded[c]!,
    log: shap.values[c]!,
  }));
  const location = shap.values[columns]!;
  const marketDate = shap.values[columns + 1]!;
  const neighbourhood = shap.values[columns + 2]!;
  parts.push({ feature: 'location', value: `${subject.latitude.toFixed(5)}, ${subject.longitude.toFixed(5)}`, log: location });
  parts.push({ feature: 'neighbourhood prices', value: null, log: neighbourhood });
  // The trees' date effect and the blend's market shift and drift are one thing to a reader.
  parts.push({ feature: 'market date', value: new Date(subject.at).toISOString().slice(0, 10), log: marketDate + marketLog });
  parts.push({ feature: 'comparable sales', value: null, log: comparablesLog });
  const baseValue = Math.exp(base);
  const totalLog = parts.reduce((sum, p) => sum + p.log, 0);
  const contributions = parts
    .map((p) => ({
      feature: p.feature,
      value: p.value,
      logContribution: round(p.log, 6),
      // Shares of value − base by log contribution; with a zero total, each at its own factor.
      amount: Math.abs(totalLog) > 1e-12 ? ((value - baseValue) * p.log) / totalLog : baseValue * Math.expm1(p.log),
    }))
    .sort((a, b) => Math.abs(b.amount) - Math.abs(a.amount));
  return { baseValue, contributions };
}

const explainers = new WeakMap<GbdtModel, TreeShapExplainer>();

/**
 * Builds the model's explainer now (a few hundred ms, once per model) instead of on its first
 * explained valuation: the registry calls it when it loads a model, before the model serves, so
 * no valuation request pays for it.
 */
export function prepareExplainer(avm: Avm): void {
  explainerOf(avm.parts.gbdt, avm.parts.table.columns.length);
}

/** Whether the model's explainer is built. */
export function explainerReady(avm: Avm): boolean {
  return explainers.has(avm.parts.gbdt);
}

/** The model's explainer, built on its first explanation (a few hundred ms) and kept with the model. */
function explainerOf(gbdt: GbdtModel, columns: number): TreeShapExplainer {
  let explainer = explainers.get(gbdt);
  if (!explainer) {
    const place = 2 + ROTATIONS.length;
    const groups = new Int32Array(gbdt.numFeatures);
    for (let f = 0; f < gbdt.numFeatures; f++) groups[f] = f < columns ? f : f < columns + place ? columns : f === columns + place ? columns + 1 : columns + 2;
    // Leaves merged into blocks of up to 8 (about 6,100 table rows read per explanation instead
    // of 21,692 leaves); single-precision tables (~13 MB for the King County model):
    // contributions within ~3e-9 log points of exact TreeSHAP.
    explainer = new TreeShapExplainer(gbdt, { groups, precision: 'float32' });
    explainers.set(gbdt, explainer);
  }
  return explainer;
}

function weightedDeviation(items: readonly { weight: number; value: number }[]): number {
  const total = items.reduce((sum, i) => sum + i.weight, 0);
  if (total <= 0 || items.length < 2) return 0;
  const mean = items.reduce((sum, i) => sum + i.weight * i.value, 0) / total;
  return Math.sqrt(items.reduce((sum, i) => sum + i.weight * (i.value - mean) ** 2, 0) / total);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
