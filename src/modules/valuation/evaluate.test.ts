import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../ml/index.js';
import { evaluateCsv, EvaluationInputError } from './index.js';

/** The general evaluator on small synthetic sales files, directly and through the CLI. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const workDir = mkdtempSync(path.join(tmpdir(), 'domus-evaluate-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const metricKeys = ['mape', 'mdape', 'within5', 'within10', 'within20', 'r2', 'rmse', 'log_rmse', 'coverage80', 'train_seconds', 'n_train', 'n_test'];

/** Sales whose price follows area, a neighbourhood (by coordinates), a type and the date. */
function salesCsv(rows: number, seed = 7, extra: (i: number) => string[] = () => []): string {
  const rng = createRng(seed);
  const lines = ['id,sold,area_m2,rooms,type,garden,lat,lng,price'];
  for (let i = 0; i < rows; i++) {
    const east = rng.next() < 0.5;
    const lat = 45.7 + rng.next() * 0.1;
    const lng = (east ? 4.9 : 4.8) + rng.next() * 0.05;
    const area = Math.round(30 + rng.next() * 120);
    const type = ['flat', 'house', 'loft'][Math.floor(rng.next() * 3)]!;
    const month = 1 + Math.floor(rng.next() * 12);
    const price = Math.round(area * (east ? 5000 : 3000) * (type === 'house' ? 1.2 : 1) * (1 + month / 100) * (0.95 + rng.next() * 0.1));
    lines.push([String(9000 + i), `2023-${String(month).padStart(2, '0')}-15`, String(area), String(1 + Math.floor(area / 30)), type, rng.next() < 0.5 ? 'yes' : 'no', lat.toFixed(5), lng.toFixed(5), String(price), ...extra(i)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function write(name: string, text: string): string {
  const file = path.join(workDir, name);
  writeFileSync(file, text);
  return file;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const fewTrees = { maxIterations: 60, learningRate: 0.1 };

describe('evaluateCsv', () => {
  const file = write('sales.csv', salesCsv(400));

  it('infers the columns, builds date and neighbourhood features and learns the prices', () => {
    const result = evaluateCsv({ csv: file, target: 'price', date: 'sold', seed: 1, gbdt: fewTrees });
    const kinds = Object.fromEntries(result.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({ id: 'id', sold: 'date', area_m2: 'numeric', type: 'categorical', garden: 'boolean', lat: 'numeric', price: 'numeric' });
    expect(result.featureNames).toEqual(expect.arrayContaining(['sold_year', 'sold_month', 'sold_day_index', 'neighbourhood_level_5', 'neighbourhood_level_per_area_m2_5']));
    expect(result.featureNames).not.toContain('price');
    expect(result.featureNames).not.toContain('id');
    expect(result.metrics.n_train + result.metrics.n_test).toBe(400);
    expect(result.metrics.n_test).toBe(80);
    expect(result.metrics.mdape).toBeLessThan(0.1);
    expect(result.metrics.coverage80).toBeGreaterThan(0.6);
  });

  it('is deterministic under a seed and changes with it', () => {
    const a = evaluateCsv({ csv: file, target: 'price', seed: 3, gbdt: fewTrees });
    const b = evaluateCsv({ csv: file, target: 'price', seed: 3, gbdt: fewTrees });
    const c = evaluateCsv({ csv: file, target: 'price', seed: 4, gbdt: fewTrees });
    const { train_seconds: _a, ...first } = a.metrics;
    const { train_seconds: _b, ...second } = b.metrics;
    const { train_seconds: _c, ...third } = c.metrics;
    expect(second).toEqual(first);
    expect(third).not.toEqual(first);
  });

  it('averages five folds with --split kfold and trains on the past with --split time', () => {
    const folds = evaluateCsv({ csv: file, target: 'price', split: 'kfold', seed: 1, gbdt: fewTrees });
    expect(folds.folds).toBe(5);
    expect(folds.metrics.n_test).toBe(80);
    const time = evaluateCsv({ csv: file, target: 'price', date: 'sold', split: 'time', gbdt: fewTrees });
    expect(time.metrics.n_test).toBeGreaterThan(0);
    expect(() => evaluateCsv({ csv: file, target: 'price', split: 'time' })).toThrow(/--split time needs --date/);
  });

  it('counts empty rows and skips bad targets with their line numbers', () => {
    const lines = salesCsv(100).trimEnd().split('\n');
    lines.splice(5, 0, '', ',,,,,,,,');
    lines[20] = lines[20]!.replace(/,\d+$/, ',-5');
    lines[30] = lines[30]!.replace(/,\d+$/, ',n/a');
    lines[40] = lines[40]!.replace(/,\d+$/, '');
    const result = evaluateCsv({ csv: write('messy.csv', `${lines.join('\n')}\n`), target: 'price', gbdt: fewTrees });
    expect(result.emptyRows).toBe(2);
    expect(result.skippedRows).toBe(3);
    expect(result.skipped).toEqual([
      { line: 21, reason: 'price is "-5", not a positive number' },
      { line: 31, reason: 'price is missing, not a positive number' },
      { line: 41, reason: 'has 8 cells; the header has 9' },
    ]);
    expect(result.rowsUsed).toBe(97);
  });

  it('refuses a file where most targets are bad, naming a line', () => {
    const lines = salesCsv(60).trimEnd().split('\n').map((line, i) => (i > 0 && i % 3 !== 0 ? line.replace(/,\d+$/, ',unknown') : line));
    expect(() => evaluateCsv({ csv: write('bad.csv', lines.join('\n')), target: 'price' })).toThrow(/only 20 of 60 data rows are usable.*line 2: price is "unknown"/);
  });

  it('names the columns when the target is wrong, and flags a mixed-type column', () => {
    expect(() => evaluateCsv({ csv: file, target: 'prix' })).toThrow(EvaluationInputError);
    expect(() => evaluateCsv({ csv: file, target: 'prix' })).toThrow('--target prix: the CSV has no such column; its columns are: id, sold, area_m2, rooms, type, garden, lat, lng, price');
    const mixed = salesCsv(200, 9, (i) => [i % 4 === 0 ? 'south' : String(i % 7)]).replace('lng,price', 'lng,price,orientation');
    const result = evaluateCsv({ csv: write('mixed.csv', mixed), target: 'price', gbdt: fewTrees });
    expect(result.warnings).toContain('column orientation: mixed types: 150 numeric and 50 non-numeric cell(s); treated as categorical');
  });
});

describe('domus valuation evaluate', () => {
  const file = write('cli-sales.csv', salesCsv(300));

  it('ends with one JSON object holding exactly the documented keys', async () => {
    const { code, stdout, stderr } = await cli(['valuation', 'evaluate', '--csv', file, '--target', 'price', '--date', 'sold', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const figures = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
    expect(Object.keys(figures)).toEqual(metricKeys);
    for (const key of metricKeys) expect(Number.isFinite(figures[key])).toBe(true);
    expect(figures.n_test).toBe(60);
    expect(stdout).toContain('MdAPE');
  }, 30_000);

  it('gives the same figures for the same --seed', async () => {
    const run = async (seed: string) => {
      const { stdout } = await cli(['valuation', 'evaluate', '--csv', file, '--target', 'price', '--seed', seed, '--json']);
      const { train_seconds: _, ...rest } = JSON.parse(stdout.trimEnd().split('\n').pop()!) as Record<string, number>;
      return rest;
    };
    const [a, b] = await Promise.all([run('5'), run('5')]);
    expect(b).toEqual(a);
  }, 30_000);

  it('exits non-zero and lists the columns when the target column is wrong', async () => {
    const { code, stdout, stderr } = await cli(['valuation', 'evaluate', '--csv', file, '--target', 'Price ', '--json']);
    expect(code).toBe(0); // a case and blank difference is forgiven
    expect(stdout).toContain('MdAPE');
    expect(stderr).toBe('');
    const wrong = await cli(['valuation', 'evaluate', '--csv', file, '--target', 'sale_price']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('Error: --target sale_price: the CSV has no such column; its columns are: id, sold, area_m2, rooms, type, garden, lat, lng, price\n');
  }, 30_000);
});
