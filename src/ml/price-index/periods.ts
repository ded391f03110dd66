/**
 * Periods as integers, so indices and forecasts can do arithmetic on them: a month is
 * year·12 + (month − 1), a quarter year·4 + (quarter − 1), a year is the year. Consecutive
 * periods differ by 1 at every frequency.
 */
export type PeriodFrequency = 'month' | 'quarter' | 'year';

export const periodFrequencies: readonly PeriodFrequency[] = ['month', 'quarter', 'year'];

export function periodsPerYear(frequency: PeriodFrequency): number {
  return frequency === 'month' ? 12 : frequency === 'quarter' ? 4 : 1;
}

/** The period containing a date (UTC). */
export function periodKey(date: Date, frequency: PeriodFrequency): number {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (frequency === 'month') return year * 12 + month;
  if (frequency === 'quarter') return year * 4 + Math.floor(month / 3);
  return year;
}

/** '2014-05', '2014Q2' or '2014'. */
export function periodLabel(key: number, frequency: PeriodFrequency): string {
  if (frequency === 'month') return `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;
  if (frequency === 'quarter') return `${Math.floor(key / 4)}Q${(key % 4) + 1}`;
  return String(key);
}

/** The inverse of periodLabel; null for a label that is not a period of this frequency. */
export function parsePeriodLabel(label: string, frequency: PeriodFrequency): number | null {
  const patterns: Record<PeriodFrequency, RegExp> = {
    month: /^(\d{4})-(\d{2})$/,
    quarter: /^(\d{4})-?Q([1-4])$/i,
    year: /^(\d{4})$/,
  };
  const match = patterns[frequency].exec(label.trim());
  if (!match) return null;
  const year = Number(match[1]);
  if (frequency === 'year') return year;
  const part = Number(match[2]);
  if (frequency === 'month') return part >= 1 && part <= 12 ? year * 12 + part - 1 : null;
  return year * 4 + part - 1;
}

/** The first day (UTC) of a period. */
export function periodStart(key: number, frequency: PeriodFrequency): Date {
  if (frequency === 'month') return new Date(Date.UTC(Math.floor(key / 12), key % 12, 1));
  if (frequency === 'quarter') return new Date(Date.UTC(Math.floor(key / 4), (key % 4) * 3, 1));
  return new Date(Date.UTC(key, 0, 1));
}

/** The first day (UTC) after a period. */
export function periodEnd(key: number, frequency: PeriodFrequency): Date {
  return periodStart(key + 1, frequency);
}
