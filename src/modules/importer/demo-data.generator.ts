import { fromMajor, type Money } from '../../platform/money';
import { seededRandom } from '../../platform/random';
import { agencies, cities, firstNames, lastNames, streetParts, type City, type CountryCode, type Neighbourhood } from './demo-data.catalog';
import { composeDescription, composeTitle } from './demo-data.text';
import type { EnergyLabel, ImportRecord, ListingKind, ListingStatus, PropertyType } from './listings-contract';

/**
 * Deterministic synthetic demo data. Every listing is drawn from its own random stream, derived
 * from (seed, index), so listing #n is the same whether 10 or 100,000 are generated, chunks can
 * be produced lazily, and the same seed and reference date give byte-identical records.
 */
export const demoLogin = {
  email: 'demo@domus.example.com',
  password: 'domus-demo-2026',
  displayName: 'Demo User',
} as const;

/** Demo agents share one documented password: they exist to be logged in as. */
export const demoAgentPassword = 'domus-agent-2026';

export const defaultDemoSeed = 42;

export interface DemoAgent {
  email: string;
  displayName: string;
  role: 'owner' | 'admin' | 'agent';
}

export interface DemoAgency {
  name: string;
  slug: string;
  cities: readonly string[];
  agents: DemoAgent[];
}

export interface DemoListing {
  /** 0-based position in the generated sequence. */
  index: number;
  agencySlug: string;
  record: ImportRecord;
  /** One entry per photo (1-3): a number the photo renderer turns into a façade design. */
  photoSeeds: number[];
}

/** A 32-bit mix of the seed and a stream number (the finaliser of MurmurHash3). */
export function deriveSeed(seed: number, stream: number, salt = 0): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

type Random = ReturnType<typeof seededRandom>;

function weighted<T>(random: Random, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [value, weight] of options) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return (options[options.length - 1] as readonly [T, number])[0];
}

const toAscii = (value: string) =>
  value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

/** The twelve agencies with 2-4 agents each; the demo log-in owns the first agency. */
export function generateDemoAgencies(seed: number = defaultDemoSeed): DemoAgency[] {
  return agencies.map((template, agencyIndex) => {
    const random = seededRandom(deriveSeed(seed, agencyIndex, 1));
    const count = random.int(2, 4);
    const used = new Set<string>();
    const agents: DemoAgent[] = [];
    while (agents.length < count) {
      const first = random.pick(firstNames[template.country]);
      const local = toAscii(first);
      if (used.has(local)) continue;
      used.add(local);
      // The first agent runs the agency (the demo log-in owns the first one, so there it is admin).
      const role: DemoAgent['role'] = agents.length === 0 ? (agencyIndex === 0 ? 'admin' : 'owner') : agents.length === 1 ? 'admin' : 'agent';
      agents.push({
        email: `agent.${local}@${template.slug}.example.com`,
        displayName: `${first} ${random.pick(lastNames[template.country])}`,
        role,
      });
    }
    return { name: template.name, slug: template.slug, cities: template.cities, agents };
  });
}

const labels: readonly EnergyLabel[] = ['A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G'];
const agencyIndexByCity = new Map<string, number[]>(
  cities.map((city) => [city.name, agencies.flatMap((agency, index) => (agency.cities.includes(city.name) ? [index] : []))]),
);
const cityWeights = cities.map((city) => [city, city.weight] as const);
const dutchLetters = [...'ABCEGHJKLMNPRTVWXZ'];
const dayMs = 86_400_000;

function postalCode(random: Random, country: CountryCode, prefix: string): string {
  const digits = (count: number) => Array.from({ length: count }, () => random.int(0, 9)).join('');
  switch (country) {
    case 'NL':
      return `${prefix} ${random.pick(dutchLetters)}${random.pick(dutchLetters)}`;
    case 'DE':
      return prefix + digits(5 - prefix.length);
    case 'PT':
      return `${prefix}-${String(random.int(1, 999)).padStart(3, '0')}`;
    default:
      return prefix;
  }
}

function streetAddress(random: Random, country: CountryCode, apartment: boolean): string {
  const parts = streetParts[country];
  const root = random.pick(parts.roots);
  const form = random.pick(parts.forms);
  const number = Math.min(240, 1 + Math.floor(Math.abs(random.normal(0, 45))));
  const floor = random.int(1, 6);
  switch (country) {
    case 'NL':
      return `${root}${form} ${number}${apartment ? `-${floor}` : ''}`;
    case 'DE':
    case 'AT':
      return `${root}${form} ${number}${apartment ? `, Wohnung ${floor}${random.int(1, 4)}` : ''}`;
    case 'FR':
      return `${number} ${form} ${root}${apartment ? `, ${floor}e étage` : ''}`;
    case 'ES':
      return `${form} ${root}, ${number}${apartment ? `, ${floor}º ${random.pick(['A', 'B', 'C', 'D'])}` : ''}`;
    case 'PT':
      return `${form} ${root}, ${number}${apartment ? `, ${floor}º ${random.pick(['Esq.', 'Dto.'])}` : ''}`;
    case 'IT':
      return `${form} ${root} ${number}${apartment ? `, interno ${random.int(1, 24)}` : ''}`;
  }
}

function propertyTypeFor(random: Random, city: City): PropertyType {
  const southern = city.country === 'ES' || city.country === 'IT' || city.country === 'PT' || city.country === 'FR';
  return weighted<PropertyType>(random, [
    ['apartment', southern ? 74 : 62],
    ['townhouse', city.country === 'NL' ? 14 : 7],
    ['house', southern ? 8 : 14],
    ['villa', 3],
    ['commercial', 5],
    ['land', 2],
  ]);
}

const logNormal = (random: Random, median: number, spread: number) => median * Math.exp(random.normal(0, spread));
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const roundTo = (value: number, step: number) => Math.max(step, Math.round(value / step) * step);

function yearBuiltFor(random: Random, referenceYear: number): number {
  const [from, to] = weighted<[number, number]>(random, [
    [[1860, 1899], 10], [[1900, 1945], 20], [[1946, 1979], 25], [[1980, 1999], 20], [[2000, 2015], 15], [[2016, referenceYear], 10],
  ]);
  return random.int(from, to);
}

function energyLabelFor(random: Random, yearBuilt: number, renovated: boolean): EnergyLabel {
  const base = yearBuilt < 1920 ? 7.2 : yearBuilt < 1946 ? 6.6 : yearBuilt < 1975 ? 6 : yearBuilt < 1992 ? 4.8 : yearBuilt < 2006 ? 3.9 : yearBuilt < 2016 ? 3 : 1.4;
  const score = base - (renovated ? 2.2 : 0) + random.normal(0, 0.8);
  return labels[clamp(Math.round(score), 0, labels.length - 1)] as EnergyLabel;
}

function featuresFor(random: Random, propertyType: PropertyType, kind: ListingKind, yearBuilt: number | null, energyIndex: number): string[] {
  const features: string[] = [];
  const add = (feature: string, probability: number) => {
    if (random.chance(probability)) features.push(feature);
  };
  if (propertyType === 'land') return features;
  if (propertyType === 'apartment') {
    add('balcony', 0.5);
    add('roof_terrace', 0.08);
    add('elevator', yearBuilt !== null && yearBuilt > 1960 ? 0.75 : 0.3);
    add('storage', 0.4);
    add('concierge', 0.06);
  } else if (propertyType === 'commercial') {
    add('shopfront', 0.6);
    add('air_conditioning', 0.6);
  } else {
    add('garden', propertyType === 'townhouse' ? 0.75 : 0.95);
    add('terrace', 0.45);
    add('garage', propertyType === 'villa' ? 0.8 : 0.35);
    add('fireplace', 0.3);
    add('pool', propertyType === 'villa' ? 0.45 : 0.02);
  }
  add('parking', propertyType === 'apartment' ? 0.2 : 0.4);
  add('air_conditioning', 0.15);
  add('solar_panels', energyIndex <= 3 ? 0.5 : 0.08);
  add('heat_pump', energyIndex <= 2 ? 0.6 : 0.03);
  add('waterfront', 0.03);
  if (kind === 'rent') {
    add('furnished', 0.35);
    add('pets_allowed', 0.3);
  }
  return [...new Set(features)];
}

interface Sizes {
  livingAreaM2: number | null;
  plotAreaM2: number | null;
  rooms: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
}

function sizesFor(random: Random, propertyType: PropertyType): Sizes {
  if (propertyType === 'land') {
    return { livingAreaM2: null, plotAreaM2: Math.round(logNormal(random, 900, 0.6)), rooms: null, bedrooms: null, bathrooms: null };
  }
  const ranges: Record<Exclude<PropertyType, 'land'>, [number, number, number]> = {
    apartment: [72, 24, 260], townhouse: [125, 70, 260], house: [150, 70, 420], villa: [290, 160, 900], commercial: [160, 40, 1200],
  };
  const [median, low, high] = ranges[propertyType];
  const livingAreaM2 = Math.round(clamp(logNormal(random, median, 0.35), low, high));
  if (propertyType === 'commercial') {
    return { livingAreaM2, plotAreaM2: null, rooms: Math.max(1, Math.round(livingAreaM2 / 45)), bedrooms: 0, bathrooms: livingAreaM2 > 300 ? 2 : 1 };
  }
  // Houses have at least a living room and two bedrooms; an apartment may be a studio.
  // Rooms grow slower than area (large homes have larger rooms): ~3 rooms at 70 m², ~5 at 150 m², ~9 at 430 m².
  const rooms = Math.max(propertyType === 'apartment' ? 1 : 3, Math.round(0.28 * livingAreaM2 ** 0.58 + random.normal(0, 0.6)));
  const bedrooms = rooms === 1 ? 0 : Math.max(1, rooms - 1 - (livingAreaM2 > 140 && random.chance(0.5) ? 1 : 0));
  const bathrooms = clamp(1 + (livingAreaM2 > 110 ? 1 : 0) + (livingAreaM2 > 220 ? 1 : 0) + (random.chance(0.15) ? 1 : 0), 1, 5);
  const plotAreaM2 =
    propertyType === 'apartment' ? null : Math.round(logNormal(random, { townhouse: 140, house: 450, villa: 1400 }[propertyType], 0.4));
  return { livingAreaM2, plotAreaM2, rooms, bedrooms, bathrooms };
}

const typePriceFactor: Record<PropertyType, number> = { apartment: 1, townhouse: 0.97, house: 0.93, villa: 1.15, commercial: 0.72, land: 0.09 };

function priceFor(random: Random, city: City, neighbourhood: Neighbourhood, kind: ListingKind, propertyType: PropertyType, sizes: Sizes, energyIndex: number | null): Money {
  const energy = energyIndex === null ? 1 : 1 + (5 - energyIndex) * 0.018;
  const noise = Math.exp(random.normal(0, 0.1));
  const area = propertyType === 'land' ? (sizes.plotAreaM2 ?? 0) : (sizes.livingAreaM2 ?? 0);
  if (kind === 'rent') {
    const monthly = city.monthlyRentPerM2 * neighbourhood.priceFactor ** 0.8 * area * (propertyType === 'commercial' ? 0.85 : 1) * energy * noise;
    return fromMajor(roundTo(monthly, 25), 'EUR');
  }
  // Larger homes sell for less per m²: a gentle size discount around 100 m².
  const sizeFactor = propertyType === 'land' ? 1 : (100 / Math.max(area, 20)) ** 0.08;
  const total = city.salePricePerM2 * neighbourhood.priceFactor * area * typePriceFactor[propertyType] * sizeFactor * energy * noise;
  return fromMajor(roundTo(total, total > 500_000 ? 5_000 : 1_000), 'EUR');
}

function statusFor(random: Random, kind: ListingKind): ListingStatus {
  return kind === 'sale'
    ? weighted<ListingStatus>(random, [['active', 70], ['under_offer', 9], ['sold', 13], ['withdrawn', 5], ['draft', 3]])
    : weighted<ListingStatus>(random, [['active', 68], ['under_offer', 7], ['rented', 18], ['withdrawn', 5], ['draft', 2]]);
}

/** Dates, the closing price and earlier (higher) asking prices, all before the reference date. */
function timelineFor(random: Random, status: ListingStatus, askingPrice: Money, referenceDate: Date, kind: ListingKind) {
  if (status === 'draft') return {};
  const reference = referenceDate.getTime();
  const closed = status === 'sold' || status === 'rented' || status === 'withdrawn';
  const ageDays = closed ? random.int(20, 548) : random.int(1, 548);
  // Published during office hours (08:00-18:00 UTC) on a day in the last 18 months.
  const day = Math.floor((reference - ageDays * dayMs) / dayMs) * dayMs;
  const publishedAt = new Date(day + random.int(8 * 60, 18 * 60) * 60_000);
  const closedAt = closed ? new Date(publishedAt.getTime() + random.int(7, Math.min(ageDays - 1, 180)) * dayMs) : undefined;
  const step = kind === 'rent' ? 2_500 : askingPrice.amountMinor > 50_000_000 ? 500_000 : 100_000;
  const priceHistory: { price: Money; changedAt: Date }[] = [];
  const marketDays = ((closedAt?.getTime() ?? reference) - publishedAt.getTime()) / dayMs;
  if (marketDays > 40 && random.chance(0.22)) {
    const reductions = random.chance(0.3) ? 2 : 1;
    let price = askingPrice.amountMinor;
    const prices: number[] = [];
    for (let i = 0; i < reductions; i++) {
      price = roundTo(price * (1 + random.int(3, 8) / 100), step);
      prices.unshift(price);
    }
    prices.forEach((amountMinor, i) => {
      const offsetDays = i === 0 ? 0 : Math.round((marketDays * i) / (reductions + 1));
      priceHistory.push({ price: { amountMinor, currency: askingPrice.currency }, changedAt: new Date(publishedAt.getTime() + offsetDays * dayMs) });
    });
  }
  const closingPrice =
    status === 'sold'
      ? { amountMinor: roundTo(askingPrice.amountMinor * (0.95 + random.next() * 0.09), step), currency: askingPrice.currency }
      : status === 'rented'
        ? askingPrice
        : undefined;
  return { publishedAt, closedAt, closingPrice, priceHistory };
}

/** Listing number `index` of the demo data set for `seed`; independent of every other index. */
export function generateDemoListing(seed: number, index: number, referenceDate: Date): DemoListing {
  const random = seededRandom(deriveSeed(seed, index, 2));
  const city = weighted(random, cityWeights);
  const servingAgencies = agencyIndexByCity.get(city.name) ?? [0];
  const agency = agencies[random.pick(servingAgencies)] ?? (agencies[0] as (typeof agencies)[number]);
  const neighbourhood = random.pick(city.neighbourhoods);
  const propertyType = propertyTypeFor(random, city);
  const kind: ListingKind =
    propertyType === 'land' ? 'sale' : random.chance(propertyType === 'apartment' ? 0.38 : propertyType === 'commercial' ? 0.3 : 0.12) ? 'rent' : 'sale';
  const sizes = sizesFor(random, propertyType);
  const referenceYear = referenceDate.getUTCFullYear();
  const yearBuilt = propertyType === 'land' ? null : yearBuiltFor(random, referenceYear);
  const yearRenovated = yearBuilt !== null && yearBuilt < 1990 && random.chance(0.3) ? random.int(Math.max(yearBuilt + 25, 1995), referenceYear - 1) : null;
  const energyLabel = yearBuilt === null ? null : energyLabelFor(random, yearBuilt, yearRenovated !== null);
  const energyIndex = energyLabel === null ? null : labels.indexOf(energyLabel);
  const features = featuresFor(random, propertyType, kind, yearBuilt, energyIndex ?? 9);
  // Jitter of ~600 m around the neighbourhood centre; longitude degrees shrink with latitude.
  const latitude = neighbourhood.latitude + clamp(random.normal(0, 0.0055), -0.014, 0.014);
  const longitude = neighbourhood.longitude + clamp(random.normal(0, 0.0055), -0.014, 0.014) / Math.cos((neighbourhood.latitude * Math.PI) / 180);
  const askingPrice = priceFor(random, city, neighbourhood, kind, propertyType, sizes, energyIndex);
  const status = statusFor(random, kind);
  const timeline = timelineFor(random, status, askingPrice, referenceDate, kind);
  const facts = { propertyType, kind, city, neighbourhood, ...sizes, yearBuilt, yearRenovated, energyLabel, features };
  const record: ImportRecord = {
    property: {
      address: streetAddress(random, city.country, propertyType === 'apartment'),
      city: city.name,
      country: city.country,
      postalCode: postalCode(random, city.country, random.pick(neighbourhood.postalPrefixes)),
      latitude: Math.round(latitude * 1e6) / 1e6,
      longitude: Math.round(longitude * 1e6) / 1e6,
      propertyType,
      ...sizes,
      yearBuilt,
      yearRenovated,
      energyLabel,
      features,
      attributes: { neighbourhood: neighbourhood.name },
    },
    listing: {
      kind,
      title: composeTitle(facts, random.pick),
      description: composeDescription(facts, random.pick, seed),
      askingPrice,
      status,
      ...(timeline.publishedAt ? { publishedAt: timeline.publishedAt } : {}),
      ...(timeline.closedAt ? { closedAt: timeline.closedAt } : {}),
      ...(timeline.closingPrice ? { closingPrice: timeline.closingPrice } : {}),
    },
    ...(timeline.priceHistory && timeline.priceHistory.length > 0 ? { priceHistory: timeline.priceHistory } : {}),
    isSynthetic: true,
    externalRef: `demo:${seed}:${index}`,
  };
  const photoCount = weighted(random, [[1, 30], [2, 45], [3, 25]] as const);
  const photoSeeds = Array.from({ length: photoCount }, (_, photo) => deriveSeed(seed, index, 100 + photo));
  return { index, agencySlug: agency.slug, record, photoSeeds };
}

/** Listings `from` (inclusive) to `to` (exclusive), lazily, so 100,000 never sit in memory at once. */
export function* generateDemoListings(seed: number, referenceDate: Date, from: number, to: number): Generator<DemoListing> {
  for (let index = from; index < to; index++) yield generateDemoListing(seed, index, referenceDate);
}
