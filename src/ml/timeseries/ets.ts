/**
 * Exponential smoothing with additive errors: simple (ETS(A,N,N)), Holt's linear trend
 * (ETS(A,A,N)) and Gardner–McKenzie damped trend (ETS(A,Ad,N)). For a price index, apply it to
 * log levels. Smoothing parameters minimise the in-sample one-step squared error by a coarse
 * grid followed by coordinate refinement — there are at most three bounded parameters, so a grid
 * is robust and cheap, and it cannot wander outside the admissible region as an unconstrained
 * optimiser can. Forecast variances are the analytic ones of Hyndman et al. (2008, ch. 6).
 */
export type EtsKind = 'simple' | 'holt' | 'damped';

export interface EtsModel {
  kind: EtsKind;
  alpha: number;
  beta: number;
  phi: number;
  /** Level and trend after the last observation. */
  level: number;
  trend: number;
  /** One-step residual variance (SSE / (n − parameters)). */
  sigma2: number;
  observations: number;
}

export interface EtsForecast {
  mean: Float64Array;
  variance: Float64Array;
}

function run(series: ArrayLike<number>, alpha: number, beta: number, phi: number, withTrend: boolean) {
  let level = series[0]!;
  let trend = withTrend && series.length > 1 ? series[1]! - series[0]! : 0;
  let sse = 0;
  for (let t = 1; t < series.length; t++) {
    const forecast = level + phi * trend;
    const error = series[t]! - forecast;
    sse += error * error;
    level = forecast + alpha * error;
    trend = phi * trend + alpha * beta * error;
  }
  return { level, trend, sse };
}

export function fitEts(series: ArrayLike<number>, kind: EtsKind): EtsModel {
  const n = series.length;
  if (n < 3) throw new RangeError(`exponential smoothing needs at least 3 observations, got ${n}`);
  for (let t = 0; t < n; t++) if (!Number.isFinite(series[t]!)) throw new RangeError(`series[${t}] is not finite`);
  const withTrend = kind !== 'simple';
  const grid = {
    alpha: [0.05, 0.15, 0.3, 0.5, 0.7, 0.9, 0.99],
    beta: withTrend ? [0.01, 0.05, 0.15, 0.3, 0.6, 0.9] : [0],
    phi: kind === 'damped' ? [0.8, 0.88, 0.94, 0.98] : [withTrend ? 1 : 0],
  };
  let best = { alpha: 0.5, beta: grid.beta[0]!, phi: grid.phi[0]!, sse: Infinity };
  for (const alpha of grid.alpha) {
    for (const beta of grid.beta) {
      for (const phi of grid.phi) {
        const { sse } = run(series, alpha, beta, phi, withTrend);
        if (sse < best.sse) best = { alpha, beta, phi, sse };
      }
    }
  }
  // Coordinate refinement with shrinking steps inside the admissible box.
  const bounds = { alpha: [0.01, 1], beta: [withTrend ? 0.001 : 0, withTrend ? 1 : 0], phi: kind === 'damped' ? [0.8, 0.98] : [best.phi, best.phi] } as const;
  for (let step = 0.05; step > 0.002; step /= 2) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const name of ['alpha', 'beta', 'phi'] as const) {
        for (const direction of [-1, 1]) {
          const candidate = { ...best, [name]: Math.min(bounds[name][1], Math.max(bounds[name][0], best[name] + direction * step)) };
          if (candidate[name] === best[name]) continue;
          const { sse } = run(series, candidate.alpha, candidate.beta, candidate.phi, withTrend);
          if (sse < best.sse - 1e-15) {
            best = { ...candidate, sse };
            improved = true;
          }
        }
      }
    }
  }
  const final = run(series, best.alpha, best.beta, best.phi, withTrend);
  const parameters = 1 + (withTrend ? 1 : 0) + (kind === 'damped' ? 1 : 0) + (withTrend ? 2 : 1);
  return {
    kind,
    alpha: best.alpha,
    beta: best.beta,
    phi: best.phi,
    level: final.level,
    trend: final.trend,
    sigma2: final.sse / Math.max(1, n - 1 - parameters),
    observations: n,
  };
}

/** h-step forecasts: ℓ + (φ + … + φʰ)b, variance σ²[1 + Σⱼ₌₁ʰ⁻¹ (α + αβ(φ + … + φʲ))²]. */
export function forecastEts(model: EtsModel, horizon: number): EtsForecast {
  const mean = new Float64Array(horizon);
  const variance = new Float64Array(horizon);
  let phiSum = 0;
  let power = 1;
  let acc = 1;
  for (let h = 1; h <= horizon; h++) {
    power *= model.phi;
    phiSum += power;
    mean[h - 1] = model.level + (model.kind === 'simple' ? 0 : phiSum * model.trend);
    variance[h - 1] = model.sigma2 * acc;
    // The term for j = h, used by the next horizon.
    const c = model.alpha + (model.kind === 'simple' ? 0 : model.alpha * model.beta * phiSum);
    acc += c * c;
  }
  return { mean, variance };
}
