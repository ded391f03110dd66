/**
 * The versioned JSON model format. Version 1:
 *
 *   { format: 'domus-gbdt', version: 1, loss: 'l2' | 'quantile', alpha, baseScore,
 *     features: [{ name, kind: 'numeric' } | { name, kind: 'categorical', categories: number[] }],
 *     trees: [{ feature, threshold, defaultLeft, leftBins, left, right, value, cover, gain }],
 *     training: { iterations, bestIteration, bestValidationLoss, params } }
 *
 * Per tree, one entry per node, children as indices within the tree (always after their parent);
 * feature = -1 marks a leaf. A threshold of ±Infinity is written as the string "Infinity" or
 * "-Infinity" (JSON has no infinities). A categorical split lists in `leftBins` the bins that go
 * left: indices into the feature's `categories`, where categories.length is the "other" bin.
 * Loading validates everything and refuses any other format or version, so a model written by
 * a future incompatible version fails loudly instead of predicting garbage.
 */
import { treeSize, type Forest } from './forest.js';
import { categoricalFeature, GbdtModel, type ModelFeature } from './model.js';
import { defaultGbdtParams, type GbdtParams, type LossName } from './params.js';

export const MODEL_FORMAT = 'domus-gbdt';
export const MODEL_VERSION = 1;

type JsonThreshold = number | 'Infinity' | '-Infinity';

export interface GbdtTreeJson {
  feature: number[];
  threshold: JsonThreshold[];
  defaultLeft: number[];
  leftBins: (number[] | null)[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
  gain: number[];
}

export interface GbdtModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  loss: LossName;
  alpha: number;
  baseScore: number;
  features: ({ name: string; kind: 'numeric' } | { name: string; kind: 'categorical'; categories: number[] })[];
  trees: GbdtTreeJson[];
  training: { iterations: number; bestIteration: number; bestValidationLoss: number | null; params: GbdtParams };
}

export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

export function modelToJson(model: GbdtModel): GbdtModelJson {
  const f = model.forest;
  const trees: GbdtTreeJson[] = [];
  for (let t = 0; t < f.roots.length; t++) {
    const start = f.roots[t]!;
    const end = start + treeSize(f, t);
    const tree: GbdtTreeJson = { feature: [], threshold: [], defaultLeft: [], leftBins: [], left: [], right: [], value: [], cover: [], gain: [] };
    for (let n = start; n < end; n++) {
      const feature = f.feature[n]!;
      tree.feature.push(feature);
      tree.threshold.push(encodeThreshold(f.threshold[n]!));
      tree.defaultLeft.push(f.defaultLeft[n]!);
      tree.left.push(feature < 0 ? -1 : f.left[n]! - start);
      tree.right.push(feature < 0 ? -1 : f.right[n]! - start);
      tree.value.push(f.value[n]!);
      tree.cover.push(f.cover[n]!);
      tree.gain.push(f.gain[n]!);
      const offset = f.categoryOffset[n]!;
      const feat = feature >= 0 ? model.features[feature] : undefined;
      if (offset >= 0 && feat?.kind === 'categorical') {
        const bins: number[] = [];
        for (let b = 0; b <= feat.numBins; b++) if ((f.categoryBits[offset + (b >>> 5)]! >>> (b & 31)) & 1) bins.push(b);
        tree.leftBins.push(bins);
      } else {
        tree.leftBins.push(null);
      }
    }
    trees.push(tree);
  }
  const { trainLoss: _t, validationLoss: _v, ...training } = model.training;
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    loss: model.loss,
    alpha: model.alpha,
    baseScore: model.baseScore,
    features: model.features.map((feat) =>
      feat.kind === 'categorical' ? { name: feat.name, kind: 'categorical', categories: [...feat.categories] } : { name: feat.name, kind: 'numeric' },
    ),
    trees,
    training: { ...training, params: { ...training.params, categoricalFeatures: [...training.params.categoricalFeatures], featureNames: [...training.params.featureNames] } },
  };
}

export function serializeModel(model: GbdtModel): string {
  return JSON.stringify(modelToJson(model));
}

export function parseModel(text: string): GbdtModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`not a JSON document: ${(error as Error).message}`);
  }
  return modelFromJson(json);
}

export function modelFromJson(json: unknown): GbdtModel {
  const doc = record(json, 'model');
  if (doc.format !== MODEL_FORMAT) throw new ModelFormatError(`not a ${MODEL_FORMAT} model (format: ${JSON.stringify(doc.format)})`);
  if (doc.version !== MODEL_VERSION) {
    throw new ModelFormatError(`unsupported ${MODEL_FORMAT} model version ${JSON.stringify(doc.version)}; this build reads version ${MODEL_VERSION}`);
  }
  const loss = doc.loss;
  if (loss !== 'l2' && loss !== 'quantile') throw new ModelFormatError(`unknown loss ${JSON.stringify(loss)}`);
  const features: ModelFeature[] = array(doc.features, 'features').map((raw, i) => {
    const feat = record(raw, `features[${i}]`);
    const name = typeof feat.name === 'string' ? feat.name : `f${i}`;
    if (feat.kind === 'numeric') return { name, kind: 'numeric' };
    if (feat.kind === 'categorical') return categoricalFeature(name, Float64Array.from(numbers(feat.categories, `features[${i}].categories`)));
    throw new ModelFormatError(`features[${i}].kind must be 'numeric' or 'categorical'`);
  });
  const forest = forestFromJson(array(doc.trees, 'trees'), features);
  const training = record(doc.training, 'training');
  const params = { ...defaultGbdtParams, ...record(training.params ?? {}, 'training.params') } as GbdtParams;
  return new GbdtModel({
    loss,
    alpha: finite(doc.alpha, 'alpha'),
    baseScore: finite(doc.baseScore, 'baseScore'),
    features,
    forest,
    training: {
      iterations: finite(training.iterations, 'training.iterations'),
      bestIteration: finite(training.bestIteration, 'training.bestIteration'),
      bestValidationLoss: training.bestValidationLoss === null ? null : finite(training.bestValidationLoss, 'training.bestValidationLoss'),
      trainLoss: [],
      validationLoss: [],
      params,
    },
  });
}

function forestFromJson(trees: unknown[], features: readonly ModelFeature[]): Forest {
  const parsed = trees.map((raw, t) => {
    const tree = record(raw, `trees[${t}]`);
    const where = (key: string): string => `trees[${t}].${key}`;
    const feature = numbers(tree.feature, where('feature'));
    const size = feature.length;
    const sameLength = <T>(values: T[], key: string): T[] => {
      if (values.length !== size) throw new ModelFormatError(`${where(key)} has ${values.length} entries, expected ${size}`);
      return values;
    };
    const threshold = sameLength(array(tree.threshold, where('threshold')), 'threshold').map((v, n) => decodeThreshold(v, `${where('threshold')}[${n}]`));
    const leftBins = sameLength(array(tree.leftBins, where('leftBins')), 'leftBins').map((v, n) => (v === null ? null : numbers(v, `${where('leftBins')}[${n}]`)));
    return {
      feature,
      threshold,
      leftBins,
      defaultLeft: sameLength(numbers(tree.defaultLeft, where('defaultLeft')), 'defaultLeft'),
      left: sameLength(numbers(tree.left, where('left')), 'left'),
      right: sameLength(numbers(tree.right, where('right')), 'right'),
      value: sameLength(numbers(tree.value, where('value')), 'value'),
      cover: sameLength(numbers(tree.cover, where('cover')), 'cover'),
      gain: sameLength(numbers(tree.gain, where('gain')), 'gain'),
    };
  });
  const total = parsed.reduce((n, t) => n + t.feature.length, 0);
  const forest = {
    roots: new Int32Array(parsed.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    defaultLeft: new Uint8Array(total),
    categoryOffset: new Int32Array(total).fill(-1),
    categoryBits: new Uint32Array(0),
    left: new Int32Array(total).fill(-1),
    right: new Int32Array(total).fill(-1),
    value: new Float64Array(total),
    cover: new Float64Array(total),
    gain: new Float64Array(total),
  };
  const bitWords: number[] = [];
  let base = 0;
  parsed.forEach((tree, t) => {
    if (tree.feature.length === 0) throw new ModelFormatError(`trees[${t}] has no nodes`);
    forest.roots[t] = base;
    for (let n = 0; n < tree.feature.length; n++) {
      const at = base + n;
      const f = tree.feature[n]!;
      forest.feature[at] = f;
      forest.value[at] = tree.value[n]!;
      forest.cover[at] = tree.cover[n]!;
      forest.gain[at] = tree.gain[n]!;
      if (f === -1) continue;
      const feat = features[f];
      if (!Number.isInteger(f) || !feat) throw new ModelFormatError(`trees[${t}] node ${n} splits on unknown feature ${f}`);
      const [l, r] = [tree.left[n]!, tree.right[n]!];
      for (const child of [l, r]) {
        if (!Number.isInteger(child) || child <= n || child >= tree.feature.length) {
          throw new ModelFormatError(`trees[${t}] node ${n} has child ${child}; children must come after their parent inside the tree`);
        }
      }
      forest.left[at] = base + l;
      forest.right[at] = base + r;
      forest.threshold[at] = tree.threshold[n]!;
      forest.defaultLeft[at] = tree.defaultLeft[n] ? 1 : 0;
      const bins = tree.leftBins[n];
      if (feat.kind === 'categorical') {
        if (!bins) throw new ModelFormatError(`trees[${t}] node ${n} splits categorical feature ${f} without leftBins`);
        const words = new Array<number>((feat.numBins + 1 + 31) >>> 5).fill(0);
        for (const b of bins) {
          if (!Number.isInteger(b) || b < 0 || b > feat.numBins) throw new ModelFormatError(`trees[${t}] node ${n} has bin ${b} outside feature ${f}'s categories`);
          words[b >>> 5]! |= 1 << (b & 31);
        }
        forest.categoryOffset[at] = bitWords.length;
        bitWords.push(...words.map((w) => w >>> 0));
      }
    }
    base += tree.feature.length;
  });
  return { ...forest, categoryBits: Uint32Array.from(bitWords) };
}

function encodeThreshold(v: number): JsonThreshold {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function decodeThreshold(v: unknown, where: string): number {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return finite(v, where);
}

function record(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFormatError(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new ModelFormatError(`${where} must be an array`);
  return v;
}

function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(`${where} must be a finite number`);
  return v;
}

function numbers(v: unknown, where: string): number[] {
  return array(v, where).map((x, i) => finite(x, `${where}[${i}]`));
}
