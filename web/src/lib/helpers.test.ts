import { describe, expect, it } from 'vitest';
import { ApiError, groupFieldProblems, normalizeFieldPath, parseProblem } from '../api/errors';
import { buildUrl } from '../api/client';
import { allowedStatusActions } from './statusTransitions';
import { layoutPriceChart } from './priceChart';

describe('problem+json parsing', () => {
  it('reads the documented fields and drops malformed field problems', () => {
    const problem = parseProblem({
      type: 'https://domus.dev/problems/VALIDATION_FAILED',
      title: 'The request is invalid',
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'askingPrice.amountMinor: must be an integer',
      errors: [{ path: 'askingPrice.amountMinor', message: 'must be an integer' }, { path: 3 }],
    });
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors).toEqual([{ path: 'askingPrice.amountMinor', message: 'must be an integer' }]);
    const error = new ApiError(400, problem);
    expect(error.userMessage).toBe('askingPrice.amountMinor: must be an integer');
    expect(error.fieldProblems).toHaveLength(1);
  });

  it('survives bodies that are not problem documents', () => {
    const error = new ApiError(502, parseProblem('Bad gateway'));
    expect(error.code).toBe('HTTP_502');
    expect(error.userMessage).toMatch(/server had a problem/);
    expect(new ApiError(0, {}).code).toBe('NETWORK_ERROR');
  });

  it('assigns nested paths to the form field they belong to', () => {
    const { byField, unmatched } = groupFieldProblems(
      [
        { path: 'body.askingPrice.amountMinor', message: 'must be an integer' },
        { path: 'title', message: 'is required' },
        { path: 'features[2]', message: 'is too long' },
        { path: 'propertyId', message: 'unknown property' },
      ],
      ['title', 'askingPrice', 'features'],
    );
    expect(byField).toEqual({ askingPrice: 'must be an integer', title: 'is required', features: 'is too long' });
    expect(unmatched).toEqual([{ path: 'propertyId', message: 'unknown property' }]);
  });

  it('applies aliases before field names', () => {
    const { byField } = groupFieldProblems([{ path: 'askingPrice.currency', message: 'unsupported' }], ['askingPrice'], {
      'askingPrice.currency': 'currency',
    });
    expect(byField).toEqual({ currency: 'unsupported' });
    expect(normalizeFieldPath('/body/title')).toBe('title');
  });
});

describe('buildUrl', () => {
  it('prefixes the API base and skips empty query values', () => {
    expect(buildUrl('/listings', { q: 'loft', kind: undefined, minPrice: '', limit: 20 })).toBe('/api/v1/listings?q=loft&limit=20');
    expect(buildUrl('/api/v1/photos/p1/thumb')).toBe('/api/v1/photos/p1/thumb');
  });
});

describe('allowedStatusActions', () => {
  it('follows the documented workflow', () => {
    const targets = (status: Parameters<typeof allowedStatusActions>[0], kind: 'sale' | 'rent') =>
      allowedStatusActions(status, kind).map((action) => action.to);
    expect(targets('draft', 'sale')).toEqual(['active', 'withdrawn']);
    expect(targets('active', 'sale')).toEqual(['under_offer', 'withdrawn']);
    expect(targets('under_offer', 'sale')).toEqual(['sold', 'active', 'withdrawn']);
    expect(targets('under_offer', 'rent')).toEqual(['rented', 'active', 'withdrawn']);
    expect(targets('withdrawn', 'rent')).toEqual(['active']);
    expect(targets('sold', 'sale')).toEqual([]);
    expect(allowedStatusActions('draft', 'sale')[0]?.label).toBe('Publish');
  });
});

describe('layoutPriceChart', () => {
  const size = { width: 200, height: 100, padding: 10 };

  it('draws a step line from the oldest to the newest price, extended to now', () => {
    const chart = layoutPriceChart(
      [
        { price: { amountMinor: 40_000_000, currency: 'EUR' }, changedAt: '2026-03-01T00:00:00Z' },
        { price: { amountMinor: 50_000_000, currency: 'EUR' }, changedAt: '2026-01-01T00:00:00Z' },
      ],
      size,
      new Date('2026-05-01T00:00:00Z'),
    );
    expect(chart).not.toBeNull();
    expect(chart?.points.map((point) => point.entry.price.amountMinor)).toEqual([50_000_000, 40_000_000]);
    expect(chart?.points[0]).toMatchObject({ x: 10, y: 10 });
    expect(chart?.points[1]?.y).toBe(90);
    expect(chart?.path.startsWith('M10 10 H')).toBe(true);
    expect(chart?.path.endsWith('H190')).toBe(true);
  });

  it('handles a single price and an empty history', () => {
    const single = layoutPriceChart(
      [{ price: { amountMinor: 1, currency: 'EUR' }, changedAt: '2026-01-01T00:00:00Z' }],
      size,
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(single?.path).toBe('M10 50 H190');
    expect(layoutPriceChart([], size)).toBeNull();
  });
});
