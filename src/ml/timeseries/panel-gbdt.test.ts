import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../random.js';
import { panelWarmUp, trainPanelGbdt } from './panel-gbdt.js';

/** 30 series whose quarterly growth mean-reverts (AR(1) 0.6 around 1%) with a common shock. */
function panel(seed: number) {
  const rng = createRng(seed);
  const length = 160;
  const common = Array.from({ length }, () => 0.01 * normal(rng));
  return Array.from({ length: 30 }, () => {
    const l = new Float64Array(length);
    let g = 0.01;
    for (let t = 1; t < length; t++) {
      g = 0.01 + 0.6 * (g - 0.01) + common[t]! + 0.01 * normal(rng);
      l[t] = l[t - 1]! + g;
    }
    return l;
  });
}

describe('pooled panel GBDT forecaster', () => {
  it('trains only on targets known at the origin and beats momentum on mean-reverting growth', () => {
    const series = panel(3);
    let gbdtError = 0;
    let momentumError = 0;
    for (const origin of [120, 130, 140, 150]) {
      const model = trainPanelGbdt(series, origin, { horizon: 4, season: 4, maxIterations: 80 });
      expect(model.trainingRows).toBe(30 * (origin - 4 - panelWarmUp(4) + 1));
      series.forEach((l, s) => {
        const actual = l[origin + 4]! - l[origin]!;
        gbdtError += Math.abs(model.predict(s, origin) - actual);
        momentumError += Math.abs(l[origin]! - l[origin - 4]! - actual);
      });
    }
    expect(gbdtError).toBeLessThan(momentumError * 0.9);
  });

  it('refuses ragged panels, too little history and origins past the end', () => {
    const series = panel(4);
    expect(() => trainPanelGbdt([series[0]!, series[1]!.subarray(1)], 100, { horizon: 4, season: 4 })).toThrow(/aligned/);
    expect(() => trainPanelGbdt(series.slice(0, 1), 50, { horizon: 4, season: 4 })).toThrow(/at least 100 training rows/);
    expect(() => trainPanelGbdt(series, 500, { horizon: 4, season: 4 })).toThrow(/past the series' end/);
  });
});
