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
import { outlookAsOf, readQuarterlyIndex, type MarketOutlook } from '../../src/modules/valuation/avm/outlook.js';

const here = dirname(fileURLToPath(import.meta.url));

export function fhfaPath(): string {
  return resolve(process.env.DOMUS_DATA_DIR ?? resolve(here, '../../../shared/data'), 'fhfa_HPI_EXP_state.txt');
}

/** The same reading and publication rule as `valuation train --outlook-index` (avm/outlook.ts). */
export function fhfaOutlook(state: string, cutoff: number, path = fhfaPath()): MarketOutlook | null {
  if (!existsSync(path)) return null;
  return outlookAsOf(readQuarterlyIndex(readFileSync(path, 'utf8'), { region: state }), cutoff, `FHFA HPI (expanded data), ${state}, not seasonally adjusted`);
}
