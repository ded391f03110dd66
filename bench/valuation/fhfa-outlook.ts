/**
 * A market outlook for the King County benchmark from FHFA's expanded-data house price index of
 * Washington state, not seasonally adjusted (../shared/data/fhfa_HPI_EXP_state.txt), using only
 * the quarters FHFA had published when the AVM was trained: a quarter's figures come out about
 * two months after it ends, so a quarter counts only if it ended at least 60 days before the
 * training cutoff (the last training sale). Null when the file is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quarterlyOutlook, type MarketOutlook } from '../../src/modules/valuation/avm/outlook.js';

const here = dirname(fileURLToPath(import.meta.url));
const PUBLICATION_LAG_DAYS = 60;

export function fhfaPath(): string {
  return resolve(process.env.DOMUS_DATA_DIR ?? resolve(here, '../../../shared/data'), 'fhfa_HPI_EXP_state.txt');
}

export function fhfaOutlook(state: string, cutoff: number, path = fhfaPath()): MarketOutlook | null {
  if (!existsSync(path)) return null;
  const points = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split('\t'))
    .filter((cells) => cells[0] === state)
    .map((cells) => ({ year: Number(cells[1]), quarter: Number(cells[2]), index: Number(cells[3]) }))
    .filter((p) => Date.UTC(p.year, p.quarter * 3, 1) + PUBLICATION_LAG_DAYS * 86_400_000 <= cutoff)
    .sort((a, b) => a.year - b.year || a.quarter - b.quarter);
  if (points.length < 12) return null;
  const last = points[points.length - 1]!;
  return quarterlyOutlook(points, { horizon: 4, source: `FHFA HPI (expanded data), ${state}, not seasonally adjusted, to ${last.year}Q${last.quarter}` });
}
