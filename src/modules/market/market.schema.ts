import { z } from 'zod';
import { parsePeriodLabel, periodFrequencies, type PeriodFrequency } from '../../ml/index';

export const areaLevels = ['all', 'city', 'postal'] as const;
export type AreaLevel = (typeof areaLevels)[number];

const frequency = z.enum(periodFrequencies as [PeriodFrequency, ...PeriodFrequency[]], { error: () => 'must be one of: month, quarter, year' }).default('month');
const level = z.enum(areaLevels, { error: () => 'must be one of: all, city, postal' }).default('all');
const area = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');
const periodFormats: Record<PeriodFrequency, string> = { month: 'YYYY-MM, e.g. 2025-03', quarter: 'YYYYQn, e.g. 2025Q1', year: 'YYYY, e.g. 2025' };

const areaShape = { level, area: area.optional(), frequency };

/** level=all needs no area; city and postal need one. */
function requireArea(value: { level: AreaLevel; area?: string | undefined }, context: z.RefinementCtx): void {
  if (value.level !== 'all' && !value.area) context.addIssue({ code: 'custom', path: ['area'], message: `name the ${value.level === 'city' ? 'city' : 'postal district'} (level=${value.level})` });
  if (value.level === 'all' && value.area) context.addIssue({ code: 'custom', path: ['area'], message: 'leave area out with level=all, or pick level=city or level=postal' });
}

function checkPeriods(value: { frequency: PeriodFrequency; from?: string | undefined; to?: string | undefined }, context: z.RefinementCtx): void {
  const keys: Record<string, number | null> = {};
  for (const name of ['from', 'to'] as const) {
    const label = value[name];
    if (label === undefined) continue;
    keys[name] = parsePeriodLabel(label, value.frequency);
    if (keys[name] === null) context.addIssue({ code: 'custom', path: [name], message: `must be a ${value.frequency} as ${periodFormats[value.frequency]}` });
  }
  if (typeof keys.from === 'number' && typeof keys.to === 'number') {
    if (keys.from > keys.to) context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (keys.to - keys.from > 600) context.addIssue({ code: 'custom', path: ['to'], message: 'at most 600 periods per request' });
  }
}

const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d{1,3}$/, `must be a whole number from ${min} to ${max}`).transform(Number)
    .pipe(z.number().int().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`));

export const areasQuery = z.object({ level: z.enum(['city', 'postal'], { error: () => 'must be city or postal' }).default('city') }).strict();

export const indexQuery = z.object(areaShape).strict().superRefine(requireArea);

export const forecastQuery = z
  .object({
    ...areaShape,
    horizon: wholeNumber(1, 12).default(4),
    coverage: z.string().regex(/^0?\.\d{1,3}$/, 'must be a fraction such as 0.8').transform(Number)
      .pipe(z.number().min(0.5, 'must be between 0.5 and 0.99').max(0.99, 'must be between 0.5 and 0.99')).default(0.8),
  })
  .strict()
  .superRefine(requireArea);

export const statisticsQuery = z
  .object({ ...areaShape, from: z.string().max(20).optional(), to: z.string().max(20).optional() })
  .strict()
  .superRefine((value, context) => {
    requireArea(value, context);
    checkPeriods(value, context);
  });

export const recomputeBody = z.object({}).strict().optional();

const areaRef = z.object({ level: z.enum(areaLevels), name: z.string() });

export const areaSchema = z.object({
  level: z.enum(['city', 'postal']),
  name: z.string(),
  listings: z.number().int(),
  sold: z.number().int(),
  firstSale: z.string().nullable(),
  lastSale: z.string().nullable(),
});

export const indexResponse = z.object({
  area: areaRef,
  method: z.literal('hedonic'),
  frequency: z.enum(periodFrequencies as [PeriodFrequency, ...PeriodFrequency[]]),
  currency: z.string(),
  basePeriod: z.string(),
  salesUsed: z.number().int(),
  residualSd: z.number(),
  computedAt: z.string(),
  points: z.array(z.object({ period: z.string(), index: z.number(), standardError: z.number().nullable(), sales: z.number().int() })),
});

export const forecastResponse = z.object({
  area: areaRef,
  frequency: z.enum(periodFrequencies as [PeriodFrequency, ...PeriodFrequency[]]),
  horizon: z.number().int(),
  coverage: z.number(),
  models: z.array(z.string()),
  intervalMethod: z.array(z.enum(['empirical', 'normal'])),
  lastObserved: z.object({ period: z.string(), index: z.number() }),
  points: z.array(z.object({ period: z.string(), index: z.number(), lower: z.number(), upper: z.number() })),
  backtest: z.array(z.object({ model: z.string(), mae: z.array(z.number().nullable()), origins: z.number().int() })),
  computedAt: z.string(),
});

export const statisticsResponse = z.object({
  area: areaRef,
  frequency: z.enum(periodFrequencies as [PeriodFrequency, ...PeriodFrequency[]]),
  currency: z.string().nullable(),
  periods: z.array(z.object({
    period: z.string(),
    sold: z.number().int(),
    newListings: z.number().int(),
    inventory: z.number().int(),
    medianPricePerM2: z.number().nullable(),
    medianDaysOnMarket: z.number().nullable(),
    absorptionRate: z.number().nullable(),
    monthsOfSupply: z.number().nullable(),
  })),
});

export const recomputeResponse = z.object({ recomputed: z.number().int(), fingerprint: z.string() });
