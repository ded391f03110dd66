/**
 * bench/forecast: rolling-origin backtest of 4-quarter-ahead house price growth on the FHFA
 * all-transactions state indices (../shared/data/fhfa_HPI_AT_state.csv), every state, origins
 * 2000Q1–2022Q4, against the no-change, momentum and AR(4) baselines in the same run.
 *
 *   npm run bench:forecast [-- --data PATH]
 *
 * Protocol: at each origin T every model sees the state's index up to and including T only (and,
 * for the pooled model and the combinations, other states' indices up to T and the errors of
 * forecasts whose targets are ≤ T). The target is the percent change of the index from T to T+4;
 * the error is |forecast − actual| in percentage points. Writes bench/results/forecast.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  arAnnualGrowth, arGrowth, dampedAnnualGrowth, ets, fitAr, forecastAr, momentum, noChange, quantile, recentGrowth, seasonallyAdjustedGrowth,
  trainPanelGbdt, type ForecastModel,
} from '../../src/ml/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const argIndex = process.argv.indexOf('--data');
const dataPath = argIndex > 0 ? resolve(process.argv[argIndex + 1]!) : resolve(here, '../../../shared/data/fhfa_HPI_AT_state.csv');
if (!existsSync(dataPath)) {
  console.log(`bench:forecast skipped: ${dataPath} is absent (see ../shared/data/SOURCES.md)`);
  process.exit(0);
}

const H = 4;
const SEASON = 4;
const started = Date.now();
const byState = new Map<string, Array<{ t: number; v: number }>>();
for (const [line, text] of readFileSync(dataPath, 'utf8').trim().split('\n').entries()) {
  const [state, year, quarter, value] = text.split(',');
  const v = Number(value);
  if (!state || !(v > 0) || !/^[1-4]$/.test(quarter ?? '')) throw new Error(`${dataPath} line ${line + 1}: expected state,year,quarter,index`);
  const list = byState.get(state) ?? [];
  list.push({ t: Number(year) * 4 + Number(quarter) - 1, v });
  byState.set(state, list);
}
const states = [...byState.keys()].sort();
const first = Math.max(...states.map((s) => Math.min(...byState.get(s)!.map((p) => p.t))));
const last = Math.min(...states.map((s) => Math.max(...byState.get(s)!.map((p) => p.t))));
const T = last - first + 1;
const logs = states.map((s) => {
  const out = new Float64Array(T).fill(Number.NaN);
  for (const p of byState.get(s)!) if (p.t >= first && p.t <= last) out[p.t - first] = Math.log(p.v);
  if (out.some((v) => !Number.isFinite(v))) throw new Error(`${s}: gaps in the quarterly series`);
  return out;
});
const S = states.length;
const evalFrom = 2000 * 4 - first;
const evalTo = Math.min(2022 * 4 + 3 - first, T - 1 - H);
const warmFrom = evalFrom - 40; // earlier origins feed the combinations' trailing errors and the 1990s validation
const validationTo = evalFrom - 1 - H; // validation origins 1990Q1–1998Q4: targets before 2000Q1
const quarterLabel = (o: number) => `${Math.floor((o + first) / 4)}Q${((o + first) % 4) + 1}`;

/** A pooled AR(8) on seasonally adjusted quarterly growth of all states, recent quarters weighted more (half-life 5 years). */
function pooledAr(o: number): (s: number) => number {
  const growth = logs.map((l) => seasonallyAdjustedGrowth(l.subarray(0, o + 1), SEASON, 10));
  const model = fitAr(growth, 8, { intercept: false, halfLife: 20 });
  return (s) => forecastAr(model, growth[s]!, H).cumulativeMean[H - 1]!;
}

const baselines: ForecastModel[] = [noChange, momentum(SEASON), arGrowth(4)];
const candidates: ForecastModel[] = [ets('damped'), arAnnualGrowth(SEASON, 4), dampedAnnualGrowth(SEASON), recentGrowth(SEASON, 3)];
const single = [...baselines, ...candidates];
const names = [...single.map((m) => m.name), 'pooled-ar8', 'pooled-gbdt'];
/** forecasts[m][o * S + s]: forecast log change T → T+4; actual likewise. */
const forecasts = names.map(() => new Float64Array(T * S).fill(Number.NaN));
const actual = new Float64Array(T * S).fill(Number.NaN);
for (let o = warmFrom; o <= evalTo; o++) {
  const pooled = pooledAr(o);
  const gbdt = trainPanelGbdt(logs, o, { horizon: H, season: SEASON });
  for (let s = 0; s < S; s++) {
    const l = logs[s]!;
    const history = l.subarray(0, o + 1);
    actual[o * S + s] = l[o + H]! - l[o]!;
    single.forEach((m, j) => {
      forecasts[j]![o * S + s] = m.forecast(history, H)[H - 1]! - l[o]!;
    });
    forecasts[names.length - 2]![o * S + s] = pooled(s);
    forecasts[names.length - 1]![o * S + s] = gbdt.predict(s, o);
  }
}

// Combinations, from forecasts made at or before each origin and errors of targets already seen.
const statistical = names.filter((n) => n !== 'no-change' && n !== 'pooled-gbdt');
const at = (name: string, o: number, s: number) => forecasts[names.indexOf(name)]![o * S + s]!;
const mean = (list: string[], o: number, s: number) => list.reduce((a, n) => a + at(n, o, s), 0) / list.length;
const trailing = (name: string, o: number, states: number[], window: number) => {
  let sum = 0;
  for (let q = o - H - window + 1; q <= o - H; q++) for (const s of states) sum += (at(name, q, s) - actual[q * S + s]!) ** 2;
  return sum;
};
const everyState = Array.from({ length: S }, (_, s) => s);
const withGbdt = [...statistical, 'pooled-gbdt'];
/** Combination rules that need no trailing errors: these are compared on the 1990s to pick one. */
const plainRules: Record<string, (o: number, s: number) => number> = {
  'average of the 7 statistical models': (o, s) => mean(statistical, o, s),
  'average of all 8 models': (o, s) => mean(withGbdt, o, s),
  'statistical average and pooled GBDT, 1:1': (o, s) => (mean(statistical, o, s) + at('pooled-gbdt', o, s)) / 2,
};
const combos: Record<string, (o: number, s: number) => number> = {
  ...plainRules,
  'inverse-MSE weights (all states, last 4 resolved origins)': (o, s) => {
    let weightSum = 0;
    let value = 0;
    for (const n of withGbdt) {
      const w = 1 / (trailing(n, o, everyState, 4) + 1e-12);
      weightSum += w;
      value += w * at(n, o, s);
    }
    return value / weightSum;
  },
  'per-state selection (best of last 20 resolved origins)': (o, s) => {
    const best = withGbdt.reduce((b, n) => (trailing(n, o, [s], 20) < trailing(b, o, [s], 20) ? n : b));
    return at(best, o, s);
  },
};

interface Row { model: string; role: 'baseline' | 'candidate' | 'combination'; mae: number; maeLogPoints: number; rmse: number; forecasts: number }
const score = (model: string, role: Row['role'], predict: (o: number, s: number) => number, from = evalFrom, to = evalTo): Row => {
  let abs = 0;
  let absLog = 0;
  let sq = 0;
  let n = 0;
  for (let o = from; o <= to; o++) {
    for (let s = 0; s < S; s++) {
      const p = predict(o, s);
      const a = actual[o * S + s]!;
      const e = 100 * (Math.exp(p) - Math.exp(a));
      abs += Math.abs(e);
      absLog += 100 * Math.abs(p - a);
      sq += e * e;
      n++;
    }
  }
  return { model, role, mae: abs / n, maeLogPoints: absLog / n, rmse: Math.sqrt(sq / n), forecasts: n };
};
const rows: Row[] = [
  ...names.map((n) => score(n, baselines.some((b) => b.name === n) ? 'baseline' : 'candidate', (o, s) => at(n, o, s))),
  ...Object.entries(combos).map(([n, f]) => score(n, 'combination', f)),
];
// The honest pick: the plain rule with the lowest MAE on the 1990s (origins 1990Q1–1998Q4), before any test target.
const validation = Object.entries(plainRules).map(([n, f]) => ({ model: n, mae: score(n, 'combination', f, warmFrom, validationTo).mae }));
const chosen = validation.reduce((a, b) => (b.mae < a.mae ? b : a));
const chosenRow = rows.find((r) => r.model === chosen.model)!;

// 80% intervals for the chosen combination, from its own backtest errors: per state over its last
// 20 resolved origins (what autoForecast does for one series), and pooled over all states' last 20.
const average = combos[chosen.model]!;
const coverageOf = (pooledErrors: boolean) => {
  let inside = 0;
  let counted = 0;
  for (let o = evalFrom; o <= evalTo; o++) {
    const poolErrors: number[] = [];
    if (pooledErrors) for (let q = o - H - 19; q <= o - H; q++) for (let s = 0; s < S; s++) poolErrors.push(actual[q * S + s]! - average(q, s));
    const [poolLo, poolHi] = [quantile(poolErrors, 0.1), quantile(poolErrors, 0.9)];
    for (let s = 0; s < S; s++) {
      const errors: number[] = [];
      if (!pooledErrors) for (let q = o - H - 19; q <= o - H; q++) errors.push(actual[q * S + s]! - average(q, s));
      const p = average(o, s);
      const a = actual[o * S + s]!;
      const [lo, hi] = pooledErrors ? [poolLo, poolHi] : [quantile(errors, 0.1), quantile(errors, 0.9)];
      if (a >= p + lo && a <= p + hi) inside++;
      counted++;
    }
  }
  return inside / counted;
};
const coverage = { perState: coverageOf(false), pooled: coverageOf(true) };

const ar4 = rows.find((r) => r.model === 'ar4-growth')!;
const best = chosenRow;
const table = rows.map((r) => `| ${r.model} | ${r.role} | ${r.mae.toFixed(3)} | ${r.maeLogPoints.toFixed(3)} | ${r.rmse.toFixed(2)} | ${(r.mae / ar4.mae).toFixed(3)} |`);
console.log(`FHFA all-transactions, ${S} states, origins ${quarterLabel(evalFrom)}–${quarterLabel(evalTo)}, ${rows[0]!.forecasts} forecasts of 4-quarter growth each\n`);
console.log('| model | role | MAE (pp) | MAE (log points ×100) | RMSE (pp) | MAE / AR(4) |');
console.log('|---|---|---:|---:|---:|---:|');
console.log(table.join('\n'));
console.log(`\nvalidation (origins ${quarterLabel(warmFrom)}–${quarterLabel(validationTo)}): ${validation.map((v) => `${v.model} ${v.mae.toFixed(3)}`).join('; ')}`);
console.log(`chosen on validation: ${best.model} — ${best.mae.toFixed(3)} pp on 2000–2022 (target < 3.0; AR(4) here ${ar4.mae.toFixed(3)})`);
console.log(`80% empirical intervals of the chosen combination: coverage ${(100 * coverage.perState).toFixed(1)}% from each state's own last 20 errors, ${(100 * coverage.pooled).toFixed(1)}% from all states' last 20 origins`);
const result = {
  benchmark: 'forecast',
  data: 'fhfa_HPI_AT_state.csv',
  states: S,
  origins: { from: quarterLabel(evalFrom), to: quarterLabel(evalTo), count: evalTo - evalFrom + 1 },
  horizonQuarters: H,
  target: { maeBelow: 3.0, met: best.mae < 3.0 },
  rows,
  validation: { origins: { from: quarterLabel(warmFrom), to: quarterLabel(validationTo) }, rules: validation, chosen: chosen.model },
  best: { model: best.model, mae: best.mae, ratioToAr4: best.mae / ar4.mae },
  interval80Coverage: coverage,
  seconds: (Date.now() - started) / 1000,
  measuredAt: new Date().toISOString(),
};
mkdirSync(join(here, '../results'), { recursive: true });
writeFileSync(join(here, '../results/forecast.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote bench/results/forecast.json (${result.seconds.toFixed(1)} s)`);
