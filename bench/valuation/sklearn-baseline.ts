/**
 * Runs scikit-learn's HistGradientBoostingRegressor (sklearn_baseline.py, Debian's
 * /usr/bin/python3) on exactly the matrices the Domus learner sees. Returns null, with the
 * reason, when Python or scikit-learn is missing: the baseline is optional, never a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../../src/ml/matrix.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'sklearn_baseline.py');

export interface SklearnResult {
  readonly version: string;
  readonly iterations: number;
  /** Median fit time over the repeats. */
  readonly trainSeconds: number;
  readonly trainSecondsAll: number[];
  /** The untimed warm-up fits' seconds (options.warmup of them). */
  readonly warmupSeconds: number[];
  /** Median CPU seconds of a fit, summed over its threads. */
  readonly trainCpuSeconds: number;
  readonly predictMicrosPerRow: number;
  readonly singleRowMicros: number;
  readonly prediction: Float64Array;
}

export function sklearnAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found` };
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, reason: `${PYTHON} has no scikit-learn (apt-get install -y python3-sklearn)` };
  return { ok: true, version: probe.stdout.trim() };
}

export function runSklearn(
  train: { x: Matrix; y: Float64Array },
  test: Matrix,
  options: { categorical: number[]; seed: number; repeats: number; params?: Record<string, unknown>; /** Untimed fits before the timed ones (default 0). */ warmup?: number },
): SklearnResult {
  const dir = mkdtempSync(join(tmpdir(), 'domus-sklearn-'));
  try {
    const meta = { cols: train.x.cols, categorical: options.categorical, seed: options.seed, repeats: options.repeats, warmup: options.warmup ?? 0, params: options.params ?? {} };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    writeFileSync(join(dir, 'x_train.f64'), Buffer.from(train.x.values.buffer, train.x.values.byteOffset, train.x.values.byteLength));
    writeFileSync(join(dir, 'y_train.f64'), Buffer.from(train.y.buffer, train.y.byteOffset, train.y.byteLength));
    writeFileSync(join(dir, 'x_test.f64'), Buffer.from(test.values.buffer, test.values.byteOffset, test.values.byteLength));
    const run = spawnSync(PYTHON, [SCRIPT, dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`scikit-learn baseline failed: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as {
      sklearn: string; iterations: number; train_seconds: number[]; train_cpu_seconds: number[]; warmup_seconds?: number[]; predict_us_per_row: number; single_row_us: number; prediction: number[];
    };
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    return {
      version: out.sklearn,
      iterations: out.iterations,
      trainSeconds: median(out.train_seconds),
      trainSecondsAll: out.train_seconds,
      warmupSeconds: out.warmup_seconds ?? [],
      trainCpuSeconds: median(out.train_cpu_seconds),
      predictMicrosPerRow: out.predict_us_per_row,
      singleRowMicros: out.single_row_us,
      prediction: Float64Array.from(out.prediction),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
