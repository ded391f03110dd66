import { describe, expect, it } from 'vitest';
import {
  activeFilterCount,
  bedroomsAtLeast,
  clampBBox,
  describeFilters,
  emptyFilters,
  filtersToQuery,
  filtersToSearchParams,
  parseBBox,
  parseFilters,
  searchRequestParams,
  type SearchFilters,
} from './searchFilters';

const full: SearchFilters = {
  q: 'canal view',
  kind: 'sale',
  propertyTypes: ['apartment', 'house'],
  minPrice: 20_000_000,
  maxPrice: 50_000_000,
  minBedrooms: 2,
  minArea: 80,
  energyLabels: ['A+++', 'A'],
  sort: 'price_asc',
  bbox: [4.85, 52.35, 4.95, 52.4],
};

describe('filters <-> query string', () => {
  it('round-trips every filter through the URL', () => {
    const params = filtersToSearchParams(full);
    expect(parseFilters(new URLSearchParams(params.toString()))).toEqual(full);
  });

  it('writes the API parameter names, encoding plus signs in energy labels', () => {
    const text = filtersToSearchParams(full).toString();
    expect(text).toBe(
      'q=canal+view&kind=sale&propertyType=apartment%2Chouse&minPrice=20000000&maxPrice=50000000' +
        '&minBedrooms=2&minArea=80&energyLabel=A%2B%2B%2B%2CA&sort=price_asc&bbox=4.85%2C52.35%2C4.95%2C52.4',
    );
  });

  it('omits empty filters entirely', () => {
    expect(filtersToQuery(emptyFilters)).toEqual({});
    expect(filtersToSearchParams({ ...emptyFilters, q: '   ' }).toString()).toBe('');
  });

  it('ignores malformed and unknown values instead of failing', () => {
    const parsed = parseFilters(
      new URLSearchParams('kind=lease&propertyType=house,castle,villa&minPrice=-4&maxPrice=12.5&minBedrooms=two&energyLabel=Z,B&sort=cheapest&bbox=1,2,3'),
    );
    expect(parsed).toEqual({ ...emptyFilters, propertyTypes: ['house', 'villa'], energyLabels: ['B'] });
  });

  it('puts list filters in canonical order so equal searches share a URL', () => {
    const a = filtersToQuery({ ...emptyFilters, propertyTypes: ['villa', 'apartment'] });
    const b = filtersToQuery({ ...emptyFilters, propertyTypes: ['apartment', 'villa'] });
    expect(a).toEqual(b);
    expect(a.propertyType).toBe('apartment,villa');
  });
});

describe('search request parameters', () => {
  it('adds paging and facets', () => {
    const params = searchRequestParams({ ...emptyFilters, q: 'loft' }, { cursor: 'abc', limit: 24, facets: true });
    expect(params.get('q')).toBe('loft');
    expect(params.get('cursor')).toBe('abc');
    expect(params.get('limit')).toBe('24');
    expect(params.get('facets')).toBe('true');
  });

  it('drops relevance sorting when there is no text query', () => {
    expect(searchRequestParams({ ...emptyFilters, sort: 'relevance' }).has('sort')).toBe(false);
    expect(searchRequestParams({ ...emptyFilters, sort: 'relevance', q: 'loft' }).get('sort')).toBe('relevance');
  });
});

describe('bbox', () => {
  it('parses minLng,minLat,maxLng,maxLat and rejects inverted or out-of-range boxes', () => {
    expect(parseBBox('4.8,52.3,4.9,52.4')).toEqual([4.8, 52.3, 4.9, 52.4]);
    expect(parseBBox('4.9,52.3,4.8,52.4')).toBeNull();
    expect(parseBBox('4.8,-95,4.9,52.4')).toBeNull();
    expect(parseBBox('a,b,c,d')).toBeNull();
  });

  it('clamps a map view wider than the world and rounds to 5 decimals', () => {
    expect(clampBBox(-200.123456, -89.9999999, 250, 95)).toEqual([-180, -90, 180, 90]);
    expect(clampBBox(4.123456789, 52.1, 4.2, 52.2)).toEqual([4.12346, 52.1, 4.2, 52.2]);
  });
});

describe('filter summaries', () => {
  it('counts active filter groups (text query and sort are not filters)', () => {
    expect(activeFilterCount(emptyFilters)).toBe(0);
    expect(activeFilterCount(full)).toBe(7);
  });

  it('describes a search for a default saved-search name', () => {
    expect(describeFilters(full, 'EUR', 'en-US')).toBe(
      'Apartments & Houses for sale, “canal view”, €200K–€500K, 2+ bedrooms, 80+ m², energy A+++/A, in map area',
    );
    expect(describeFilters(emptyFilters)).toBe('Homes');
  });

  it('sums bedroom facet buckets at or above a minimum', () => {
    const facet = { '1': 4, '2': 7, '3': 5, '5+': 2 };
    expect(bedroomsAtLeast(facet, 3)).toBe(7);
    expect(bedroomsAtLeast(facet, 1)).toBe(18);
    expect(bedroomsAtLeast(undefined, 1)).toBeUndefined();
  });
});
