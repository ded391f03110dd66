/**
 * GBDT valuation benchmark on King County house sales (21,613 sales, 2014–15).
 *
 *   nice -n 10 npx tsx bench/valuation/gbdt.bench.ts [--repeats 3]
 *
 * Plain features (kc-data.ts; zipcode categorical), log-price target, random 80/20 split with
 * seed 42. Trains the Domus GBDT with its default parameters and, in the same run as the
 * baseline, scikit-learn's HistGradientBoostingRegressor with its defaults on the very same
 * matrices; prints a table and writes bench/results/valuation-gbdt.json. Training times are the
 * median of --repeats fits after one untimed warm-up fit on each side (both learners are
 * deterministic, so every fit gives the same model).
 * "train seconds" is wall-clock (what the 3× budget is about); "train CPU seconds" adds up the
 * CPU time of all threads (scikit-learn uses OpenMP threads, Domus one), which drifts less on a
 * shared machine. Not part of `npm test`.
 *
 * Second part, the AVM's learner settings: trainAvm (src/modules/valuation/avm) on the same
 * random split, its "trees" phase timed (wall and CPU of all threads, median of --repeats
 * fits) on one thread and with the compute thread (src/ml/compute-thread.ts: half the feature
 * rows and one of the two forests), whose one-off start-up is paid before the timed fits and
 * reported on its own. Both must give the same model (checked).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeShap } from '../../src/ml/explain/tree-shap.js';
import { defaultGbdtParams, serializeModel, trainGbdt, type GbdtModel } from '../../src/ml/gbdt/index.js';
import { computeThreadStats, setComputeThread, startComputeThread } from '../../src/ml/compute-thread.js';
import { AVM_FORESTS, avmGbdtParams, trainAvm } from '../../src/modules/valuation/avm/model.js';
import { salesFromCsv, selectSales } from '../../src/modules/valuation/avm/sales.js';
import { createMatrix, matrixRow, selectRows, selectValues } from '../../src/ml/matrix.js';
import { valuationReport, type ValuationReport } from '../../src/ml/metrics.js';
import { randomSplit } from '../../src/ml/split.js';
import { kcCategorical, kcDataPath, kcFeatureNames, loadKcData } from './kc-data.js';
import { runSklearn, sklearnAvailable, type SklearnResult } from './sklearn-baseline.js';

const SPLIT_SEED = 42;
const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = resolve(here, '../results/valuation-gbdt.json');
const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg >= 0 ? Math.max(1, Number(process.argv[repeatsArg + 1])) : 3;

const loadAtStart = loadavg()[0]!;
const data = loadKcData();
if (!data) {
  console.log(`SKIPPED: ${kcDataPath()} is absent (set DOMUS_DATA_DIR to the folder holding kc_house_data.csv).`);
  process.exit(0);
}

const x = createMatrix(data.rows, data.cols, data.features);
const logPrice = data.price.map(Math.log);
const split = randomSplit(data.rows, 0.2, SPLIT_SEED);
const train = { x: selectRows(x, split.train), y: selectValues(logPrice, split.train) };
const testX = selectRows(x, split.test);
const testPrice = selectValues(data.price, split.test);
console.log(`King County: ${data.rows} sales, ${data.cols} features; train ${split.train.length}, test ${split.test.length} (seed ${SPLIT_SEED}).`);

// --- Domus GBDT ---------------------------------------------------------------------------
const params = { categoricalFeatures: kcCategorical, featureNames: [...kcFeatureNames] };
let model: GbdtModel | undefined;
const domusTimes: number[] = [];
const domusCpu: number[] = [];
// One untimed fit first on both sides (V8 compiles the training code; scikit-learn gets `warmup: 1`).
trainGbdt(train.x, train.y, params);
for (let r = 0; r < repeats; r++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  model = trainGbdt(train.x, train.y, params);
  const cpu = process.cpuUsage(cpuStart);
  domusCpu.push((cpu.user + cpu.system) / 1e6);
  domusTimes.push((performance.now() - start) / 1000);
}
const domusModel = model!;
domusModel.predictMatrix(testX); // warm-up: let the JIT compile the traversal first
const batchStart = performance.now();
const domusLog = domusModel.predictMatrix(testX);
const domusBatchMicros = ((performance.now() - batchStart) * 1000) / testX.rows;
const singleStart = performance.now();
let checksum = 0;
for (let i = 0; i < testX.rows; i++) checksum += domusModel.predict(matrixRow(testX, i));
const domusSingleMicros = ((performance.now() - singleStart) * 1000) / testX.rows;
if (!Number.isFinite(checksum)) throw new Error('non-finite predictions');
const explained = Math.min(500, testX.rows);
const shapStart = performance.now();
let worstAdditivity = 0;
for (let i = 0; i < explained; i++) {
  const row = matrixRow(testX, i);
  const { baseValue, values } = treeShap(domusModel, row);
  worstAdditivity = Math.max(worstAdditivity, Math.abs(baseValue + values.reduce((a, b) => a + b, 0) - domusLog[i]!));
}
const shapMicros = ((performance.now() - shapStart) * 1000) / explained;
const domusReport = valuationReport(testPrice, domusLog.map(Math.exp));
const domus = {
  trainSeconds: median(domusTimes),
  trainSecondsAll: domusTimes,
  trainCpuSeconds: median(domusCpu),
  trees: domusModel.numTrees,
  predictMicrosPerRow: domusBatchMicros,
  singleRowMicros: domusSingleMicros,
  shapMicrosPerRow: shapMicros,
  shapWorstAdditivityError: worstAdditivity,
  ...domusReport,
};

// --- scikit-learn baseline ----------------------------------------------------------------
const availability = sklearnAvailable();
let sklearn: (ValuationReport & Omit<SklearnResult, 'prediction'>) | null = null;
if (availability.ok) {
  const result = runSklearn(train, testX, { categorical: kcCategorical, seed: SPLIT_SEED, repeats, warmup: 1 });
  const { prediction, ...rest } = result;
  sklearn = { ...rest, ...valuationReport(testPrice, prediction.map(Math.exp)) };
} else {
  console.log(`scikit-learn baseline SKIPPED: ${availability.reason}.`);
}

// --- the AVM's learner settings: trainAvm's trees phase, one thread and two -----------------
const { table } = salesFromCsv(kcDataPath(), { target: 'price', date: 'date' });
const avmTrain = selectSales(table, randomSplit(table.price.length, 0.2, SPLIT_SEED).train);
interface AvmFit { treesSeconds: number; treesCpuSeconds: number; seconds: number; cpuSeconds: number; phases: Record<string, number> }
function avmFits(threads: number): { fits: AvmFit[]; model: string; fitRows: number; features: number; helperJobs: number } {
  setComputeThread(threads > 1);
  const fits: AvmFit[] = [];
  let model = '';
  let fitRows = 0;
  let features = 0;
  trainAvm(avmTrain, { seed: SPLIT_SEED, calibration: 'random' }); // untimed warm-up
  const jobsBefore = computeThreadStats.byThread;
  for (let r = 0; r < repeats; r++) {
    const phases: Record<string, number> = {};
    const cpuAt: Record<string, number> = {};
    let lastCpu = process.cpuUsage();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const avm = trainAvm(avmTrain, {
      seed: SPLIT_SEED,
      calibration: 'random',
      onPhase: (phase, ms) => {
        const cpu = process.cpuUsage(lastCpu);
        lastCpu = process.cpuUsage();
        phases[phase] = ms / 1000;
        cpuAt[phase] = (cpu.user + cpu.system) / 1e6;
      },
    });
    const cpu = process.cpuUsage(cpuStart);
    fits.push({ treesSeconds: phases.trees ?? Number.NaN, treesCpuSeconds: cpuAt.trees ?? Number.NaN, seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, phases });
    const gbdt = avm.parts.gbdt;
    model = createHash('sha256').update(serializeModel(gbdt)).digest('hex').slice(0, 16);
    fitRows = avm.parts.table.price.length - avm.parts.calibrationSize;
    features = gbdt.numFeatures;
  }
  setComputeThread(true);
  return { fits, model, fitRows, features, helperJobs: (computeThreadStats.byThread - jobsBefore) / repeats };
}
const summarise = (run: ReturnType<typeof avmFits>) => ({
  treesSeconds: median(run.fits.map((f) => f.treesSeconds)),
  treesCpuSeconds: median(run.fits.map((f) => f.treesCpuSeconds)),
  treesSecondsAll: run.fits.map((f) => f.treesSeconds),
  trainSeconds: median(run.fits.map((f) => f.seconds)),
  trainCpuSeconds: median(run.fits.map((f) => f.cpuSeconds)),
  phases: run.fits[run.fits.length >> 1]!.phases,
  helperJobsPerTraining: run.helperJobs,
  model: run.model,
});
const oneThread = avmFits(1);
const startupStart = performance.now();
const helperReady = await startComputeThread();
const computeStartupMs = performance.now() - startupStart;
const twoThreads = helperReady ? avmFits(2) : null;
if (twoThreads && twoThreads.model !== oneThread.model) throw new Error(`the compute thread changed the model: ${twoThreads.model} vs ${oneThread.model}`);
const avmLearner = {
  params: avmGbdtParams,
  fitRows: oneThread.fitRows,
  features: oneThread.features,
  oneThread: summarise(oneThread),
  twoThreads: twoThreads ? { ...summarise(twoThreads), computeThreadStartupMs: computeStartupMs } : { skipped: 'the compute thread did not start' },
  sameModel: twoThreads ? twoThreads.model === oneThread.model : null,
  sklearnTrainSeconds: sklearn?.trainSeconds ?? null,
};
const avmOne = avmLearner.oneThread;
const avmTwo = twoThreads ? summarise(twoThreads) : null;
console.log('');
console.log(`AVM learner settings (${avmLearner.fitRows} fitted sales, ${avmLearner.features} features, ${AVM_FORESTS} forests of ${avmGbdtParams.maxIterations} trees): trainAvm's trees phase, median of ${repeats}`);
console.log(`  one thread:   ${avmOne.treesSeconds.toFixed(2)} s wall, ${avmOne.treesCpuSeconds.toFixed(2)} CPU s; whole trainAvm ${avmOne.trainSeconds.toFixed(2)} s (${avmOne.trainCpuSeconds.toFixed(2)} CPU s)`);
if (avmTwo) {
  console.log(`  two threads:  ${avmTwo.treesSeconds.toFixed(2)} s wall, ${avmTwo.treesCpuSeconds.toFixed(2)} CPU s; whole trainAvm ${avmTwo.trainSeconds.toFixed(2)} s; compute thread start-up ${computeStartupMs.toFixed(0)} ms once; tasks on it per training ${avmTwo.helperJobsPerTraining.toFixed(1)}; same model: ${avmLearner.sameModel}`);
}
if (sklearn) console.log(`  whole trainAvm / scikit-learn fit: ${(avmOne.trainSeconds / sklearn.trainSeconds).toFixed(2)}x (one thread)${avmTwo ? `, ${(avmTwo.trainSeconds / sklearn.trainSeconds).toFixed(2)}x (two)` : ''}; target 3x`);

// --- table and results ----------------------------------------------------------------------
const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const rows: [string, (r: typeof domus | NonNullable<typeof sklearn>) => string][] = [
  ['MdAPE', (r) => pct(r.mdape)],
  ['MAPE', (r) => pct(r.mape)],
  ['within 10%', (r) => pct(r.within10)],
  ['R² (log price)', (r) => r.r2Log.toFixed(4)],
  ['R² (price)', (r) => r.r2.toFixed(4)],
  ['train seconds (median)', (r) => r.trainSeconds.toFixed(2)],
  ['train CPU seconds', (r) => r.trainCpuSeconds.toFixed(2)],
  ['µs/prediction, batch', (r) => r.predictMicrosPerRow.toFixed(1)],
  ['µs/prediction, one row', (r) => r.singleRowMicros.toFixed(1)],
];
const ratio = (a: number, b: number): string => (b === 0 ? '—' : (a / b).toFixed(2));
const ratios = sklearn
  ? {
      mdape: domus.mdape / sklearn.mdape,
      mape: domus.mape / sklearn.mape,
      within10: domus.within10 / sklearn.within10,
      trainSeconds: domus.trainSeconds / sklearn.trainSeconds,
      trainCpuSeconds: domus.trainCpuSeconds / sklearn.trainCpuSeconds,
      predictMicrosPerRow: domus.predictMicrosPerRow / sklearn.predictMicrosPerRow,
      singleRowMicros: domus.singleRowMicros / sklearn.singleRowMicros,
    }
  : null;
console.log('');
console.log(`${'metric'.padEnd(24)}${'Domus GBDT'.padStart(14)}${(sklearn ? `sklearn ${sklearn.version}` : 'sklearn').padStart(16)}${'ratio'.padStart(8)}`);
for (const [name, format] of rows) {
  const right = sklearn ? format(sklearn) : 'skipped';
  const key = name.startsWith('R²') ? '' : name;
  const ratioText = !sklearn ? '' : key === 'MdAPE' ? ratio(domus.mdape, sklearn.mdape) : key === 'MAPE' ? ratio(domus.mape, sklearn.mape)
    : key === 'within 10%' ? ratio(domus.within10, sklearn.within10) : key.startsWith('train seconds') ? ratio(domus.trainSeconds, sklearn.trainSeconds)
    : key.startsWith('train CPU') ? ratio(domus.trainCpuSeconds, sklearn.trainCpuSeconds)
    : key.endsWith('batch') ? ratio(domus.predictMicrosPerRow, sklearn.predictMicrosPerRow) : key.endsWith('one row') ? ratio(domus.singleRowMicros, sklearn.singleRowMicros) : '';
  console.log(`${name.padEnd(24)}${format(domus).padStart(14)}${right.padStart(16)}${ratioText.padStart(8)}`);
}
console.log(`${'trees / iterations'.padEnd(24)}${String(domus.trees).padStart(14)}${(sklearn ? String(sklearn.iterations) : '').padStart(16)}`);
console.log(`TreeSHAP: ${shapMicros.toFixed(0)} µs per explanation; worst |base + Σφ − prediction| = ${worstAdditivity.toExponential(1)}.`);

mkdirSync(dirname(resultsPath), { recursive: true });
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      benchmark: 'valuation-gbdt',
      generatedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage1m: { start: loadAtStart, end: loadavg()[0]! } },
      data: { file: 'kc_house_data.csv', rows: data.rows, train: split.train.length, test: split.test.length, splitSeed: SPLIT_SEED, target: 'log(price)', features: kcFeatureNames, categorical: kcCategorical.map((i) => kcFeatureNames[i]) },
      repeats,
      domus: { params: { ...defaultGbdtParams, ...params }, ...domus },
      sklearn: sklearn ?? { skipped: availability.ok ? 'unknown' : availability.reason },
      ratios,
      avmLearner,
      notes: 'Percentages are fractions. R² (log price) is on the model target; R² (price) on prices. Ratios are Domus / scikit-learn, measured in the same run on the same matrices.',
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${resultsPath}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
