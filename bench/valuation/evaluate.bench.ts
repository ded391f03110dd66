/**
 * The general evaluator (`domus valuation evaluate`) on King County house sales: the same code
 * path as the CLI, with no King County specific code — columns are inferred from the file.
 *
 *   nice -n 10 npx tsx bench/valuation/evaluate.bench.ts
 *
 * Runs the random split (seed 42), the time split (--date date: the latest 20% of sales by date
 * are the test) and 5-fold cross-validation, prints a table against the targets and
 * writes bench/results/valuation-evaluate.json. Not part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateCsv, evaluatorGbdtParams, type EvaluationResult, type EvaluationSplit } from '../../src/modules/valuation/index.js';
import { kcDataPath } from './kc-data.js';
import { existsSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = resolve(here, '../results/valuation-evaluate.json');
const file = kcDataPath();
if (!existsSync(file)) {
  console.log(`SKIPPED: ${file} is absent (set DOMUS_DATA_DIR to the folder holding kc_house_data.csv).`);
  process.exit(0);
}

const runs: { split: EvaluationSplit; result: EvaluationResult; wallSeconds: number }[] = [];
for (const split of ['random', 'time', 'kfold'] as const) {
  const start = performance.now();
  const result = evaluateCsv({ csv: file, target: 'price', date: 'date', split, seed: 42 });
  runs.push({ split, result, wallSeconds: (performance.now() - start) / 1000 });
  console.log(`${split}: done in ${runs[runs.length - 1]!.wallSeconds.toFixed(1)} s`);
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const targets: Record<string, string> = { mdape: '≤ 7.00% (random)', within10: '≥ 65% (random)', mape: '≤ 12.00% (time)', coverage80: '78–82%' };
console.log('');
console.log(`${'metric'.padEnd(16)}${runs.map((r) => r.split.padStart(12)).join('')}   target`);
for (const key of ['mdape', 'mape', 'within5', 'within10', 'within20', 'coverage80'] as const) {
  console.log(`${key.padEnd(16)}${runs.map((r) => pct(r.result.metrics[key]).padStart(12)).join('')}   ${targets[key] ?? ''}`);
}
for (const key of ['r2', 'log_rmse', 'train_seconds', 'n_train', 'n_test'] as const) {
  console.log(`${key.padEnd(16)}${runs.map((r) => r.result.metrics[key].toFixed(key.startsWith('n_') ? 0 : 3).padStart(12)).join('')}`);
}

const first = runs[0]!.result;
mkdirSync(dirname(resultsPath), { recursive: true });
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      benchmark: 'valuation-evaluate',
      generatedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      command: 'npm run domus -- valuation evaluate --csv kc_house_data.csv --target price --date date --split <split> --seed 42 --json',
      data: { file: 'kc_house_data.csv', rowsRead: first.rowsRead, rowsUsed: first.rowsUsed, columns: first.columns.map((c) => ({ name: c.name, kind: c.kind, ...(c.coordinate ? { coordinate: c.coordinate } : {}) })), features: first.featureNames },
      gbdt: evaluatorGbdtParams,
      targets: { randomMdape: 0.07, randomWithin10: 0.65, timeMape: 0.12, coverage80: [0.78, 0.82] },
      results: Object.fromEntries(runs.map((r) => [r.split, { ...r.result.metrics, wall_seconds: r.wallSeconds, folds: r.result.folds }])),
      notes: 'Fractions, not percentages. Time split: the latest 20% of sales by date are the test. kfold: 5 folds, figures averaged. train_seconds is the fit of the reported model (a second fit on the training split less 10% calibrates the 80% range).',
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${resultsPath}`);
