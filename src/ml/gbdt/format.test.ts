import { describe, expect, it } from 'vitest';
import { matrixFromRows } from '../matrix.js';
import { createRng } from '../random.js';
import { modelToJson, ModelFormatError, parseModel, serializeModel, trainGbdt, type GbdtModelJson } from './index.js';

function mixedData(n: number, seed: number): { rows: number[][]; y: number[] } {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.next() < 0.1 ? NaN : rng.next();
    const zone = 100 + rng.below(12);
    const b = rng.next();
    rows.push([a, zone, b]);
    y.push((Number.isNaN(a) ? 2 : a) + (zone % 3) + b * b);
  }
  return { rows, y };
}

describe('domus-gbdt model format', () => {
  const { rows, y } = mixedData(800, 1);
  const model = trainGbdt(matrixFromRows(rows), y, { maxIterations: 25, categoricalFeatures: [1], featureNames: ['a', 'zone', 'b'], minDataPerCategory: 5 });
  // Rows the model has never seen, with missing values and an unknown category among them.
  const probes = [...mixedData(200, 2).rows, [NaN, 999, 0.5], [0.5, NaN, NaN], [Infinity, 101, -Infinity]];

  it('serialise → load gives identical predictions', () => {
    const text = serializeModel(model);
    const loaded = parseModel(text);
    expect(loaded.numTrees).toBe(model.numTrees);
    expect(loaded.featureNames).toEqual(['a', 'zone', 'b']);
    for (const row of probes) expect(loaded.predict(row)).toBe(model.predict(row));
    expect(serializeModel(loaded)).toBe(text);
  });

  it('writes the format name, the version and the categorical splits', () => {
    const json = modelToJson(model);
    expect(json.format).toBe('domus-gbdt');
    expect(json.version).toBe(1);
    expect(json.features[1]).toMatchObject({ kind: 'categorical', name: 'zone' });
    expect(json.trees.some((t) => t.leftBins.some((bins) => bins !== null && bins.length > 0))).toBe(true);
  });

  it('rejects unknown versions and foreign formats', () => {
    const json = modelToJson(model);
    expect(() => parseModel(JSON.stringify({ ...json, version: 2 }))).toThrow(/unsupported domus-gbdt model version 2/);
    expect(() => parseModel(JSON.stringify({ ...json, format: 'xgboost' }))).toThrow(ModelFormatError);
    expect(() => parseModel('{not json')).toThrow(/not a JSON document/);
  });

  it('rejects corrupt trees instead of predicting garbage', () => {
    const corrupt = (edit: (json: GbdtModelJson) => void): (() => unknown) => () => {
      const json = modelToJson(model);
      edit(json);
      return parseModel(JSON.stringify(json));
    };
    const split = modelToJson(model).trees[0]!.feature.findIndex((f) => f >= 0);
    expect(corrupt((j) => (j.trees[0]!.left[split] = 0))).toThrow(/children must come after their parent/);
    expect(corrupt((j) => (j.trees[0]!.feature[split] = 7))).toThrow(/unknown feature 7/);
    expect(corrupt((j) => j.trees[0]!.value.pop())).toThrow(/value has/);
    expect(corrupt((j) => ((j.trees[0]!.threshold as unknown[])[split] = 'big'))).toThrow(/threshold/);
  });
});
