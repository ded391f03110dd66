import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, call, createProperty, expectProblem } from '../../../test/support/api-client';
import { createOrganization, createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { soldRecords } from './valuation.test-support';

const description = { latitude: 52.01, longitude: 5.02, propertyType: 'house', livingAreaM2: 120, rooms: 5, bedrooms: 3, bathrooms: 1, yearBuilt: 1975, energyLabel: 'C' };

describe('valuation API', () => {
  let domus: TestDomus;
  let owner: SignedInUser;
  let stranger: SignedInUser;
  let organizationId: string;
  let propertyId: string;

  beforeAll(async () => {
    domus = await createTestDomus({ clockStart: '2026-05-01T09:00:00.000Z' });
    owner = await signUp(domus, 'Valuer');
    stranger = await signUp(domus, 'Stranger');
    organizationId = await createOrganization(domus, owner, 'Valuation Admins');
    await domus.modules.listings.service.bulkImport(organizationId, soldRecords(400));
    domus.platform.config.VALUATION_ADMIN_ORGANIZATIONS = [organizationId];
    propertyId = (await createProperty(domus, asUser(owner), organizationId, { latitude: 52.005, longitude: 4.99, propertyType: 'house', livingAreaM2: 110, yearBuilt: 1960 })).id;
  }, 180_000);
  afterAll(async () => domus?.close());

  it('answers 409 before any model is active, and refuses the registry to non-administrators', async () => {
    expectProblem(await call(domus, asUser(owner), 'POST', '/valuations', { property: description }), 409, 'NO_ACTIVE_MODEL');
    expectProblem(await call(domus, asUser(stranger), 'GET', '/valuation-models'), 403, 'MODEL_ADMIN_ONLY');
    expectProblem(await call(domus, asUser(stranger), 'POST', '/valuation-models/train', { source: 'listings' }), 403, 'MODEL_ADMIN_ONLY');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/valuations', { property: description }), 401, 'UNAUTHENTICATED');
  });

  it('trains on the sold listings as a background job and activates the model', async () => {
    const started = await call(domus, asUser(owner), 'POST', '/valuation-models/train', { source: 'listings', activate: true });
    expect(started.statusCode, started.body).toBe(202);
    await domus.modules.valuation.jobs.idle();
    const job = await call(domus, asUser(owner), 'GET', `/valuations/jobs/${started.json().id}`);
    expect(job.json(), job.body).toMatchObject({ kind: 'train', status: 'succeeded', progress: 1, result: { version: 1, active: true } });
    const models = (await call(domus, asUser(owner), 'GET', '/valuation-models')).json().items;
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ version: 1, status: 'ready', active: true, source: 'listings', synthetic: true, currency: 'EUR', rows: 400 });
    expect(models[0].fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(models[0].sourceDetail).toContain('synthetic');
    expect(models[0].metrics.mdape).toBeLessThan(0.15);
    expect(models[0].metrics.n_test).toBe(40);
  }, 180_000);

  it('values a stored property: value, 80% range, grade, comparables and an explanation that adds up', async () => {
    const response = await call(domus, asUser(owner), 'POST', '/valuations', { propertyId });
    expect(response.statusCode, response.body).toBe(201);
    const v = response.json();
    expect(v).toMatchObject({ propertyId, model: { version: 1, synthetic: true }, value: { currency: 'EUR' }, range: { coverage: 0.8 } });
    expect(v.range.lower.amountMinor).toBeLessThan(v.value.amountMinor);
    expect(v.range.upper.amountMinor).toBeGreaterThan(v.value.amountMinor);
    expect(['A', 'B', 'C']).toContain(v.confidence.grade);
    expect(v.confidence.reasons.length).toBeGreaterThan(0);
    expect(v.comparables.length).toBeGreaterThanOrEqual(5);
    expect(v.comparables[0].ref).toMatch(/^synthetic:listing:/);
    const sum = v.explanation.contributions.reduce((total: number, c: { amount: number }) => total + c.amount, v.explanation.baseValue);
    expect(Math.abs(sum * 100 - v.value.amountMinor)).toBeLessThan(100);
    const history = await call(domus, asUser(owner), 'GET', `/properties/${propertyId}/valuations`);
    expect(history.json().items.map((item: { id: string }) => item.id)).toEqual([v.id]);
    expectProblem(await call(domus, asUser(stranger), 'GET', `/properties/${propertyId}/valuations`), 404, 'VALUATION_PROPERTY_NOT_FOUND');
    expectProblem(await call(domus, asUser(stranger), 'POST', '/valuations', { propertyId }), 404, 'VALUATION_PROPERTY_NOT_FOUND', 'propertyId');
  });

  it('refuses nonsense with a 4xx naming the field, and marks a place far from any sale as low confidence', async () => {
    const post = (property: Record<string, unknown>) => call(domus, asUser(owner), 'POST', '/valuations', { property: { ...description, ...property } });
    expectProblem(await post({ livingAreaM2: -20 }), 400, 'VALIDATION_FAILED', 'property.livingAreaM2');
    expectProblem(await post({ yearBuilt: 3020 }), 400, 'VALIDATION_FAILED', 'property.yearBuilt');
    expectProblem(await post({ latitude: 95 }), 400, 'VALIDATION_FAILED', 'property.latitude');
    expectProblem(await call(domus, asUser(owner), 'POST', '/valuations', { propertyId, property: description }), 400, 'VALIDATION_FAILED', 'property');
    expectProblem(await call(domus, asUser(owner), 'POST', '/valuations', {}), 400, 'VALIDATION_FAILED', 'propertyId');
    const far = await post({ latitude: 48.85, longitude: 2.35 });
    expect(far.statusCode, far.body).toBe(201);
    expect(far.json().confidence).toMatchObject({ grade: 'D', lowConfidence: true });
    expect(far.json().confidence.reasons.join(' ')).toMatch(/nearest known sale is \d+/);
    const huge = await post({ livingAreaM2: 20_000 });
    expect(huge.json().confidence).toMatchObject({ grade: 'D', lowConfidence: true });
    expect(huge.json().confidence.reasons.join(' ')).toContain('livingAreaM2 = 20000 is outside every training sale');
    const ok = await post({});
    expect(ok.json().confidence.lowConfidence).toBe(false);
    expect(ok.json().propertyId).toBeNull();
  });

  it('values a portfolio as a background job, reporting properties it could not value', async () => {
    const other = '00000000-0000-4000-8000-000000000001';
    const started = await call(domus, asUser(owner), 'POST', '/valuations/batch', { organizationId, propertyIds: [propertyId, other] });
    expect(started.statusCode, started.body).toBe(202);
    await domus.modules.valuation.jobs.idle();
    const job = (await call(domus, asUser(owner), 'GET', `/valuations/jobs/${started.json().id}`)).json();
    expect(job).toMatchObject({ kind: 'batch', status: 'succeeded', result: { valued: 1, failed: 1 } });
    expect(job.result.items[0]).toMatchObject({ propertyId, grade: expect.any(String), value: { currency: 'EUR' } });
    expect(job.result.items[1]).toMatchObject({ propertyId: other, error: 'not a property of this organization' });
    expect((await call(domus, asUser(owner), 'GET', `/properties/${propertyId}/valuations`)).json().items).toHaveLength(2);
    expectProblem(await call(domus, asUser(stranger), 'GET', `/valuations/jobs/${started.json().id}`), 404, 'VALUATION_JOB_NOT_FOUND');
    expectProblem(await call(domus, asUser(stranger), 'POST', '/valuations/batch', { organizationId, propertyIds: [propertyId] }), 404, 'ORGANIZATION_NOT_FOUND');
  });

  it('swaps the active model without downtime: a valuation under way finishes on the model it started with', async () => {
    const second = await domus.modules.valuation.service.trainFromListings({ activate: false });
    expect(second).toMatchObject({ version: 2, active: false });
    const before = await domus.modules.valuation.registry.active();
    const activated = await call(domus, asUser(owner), 'POST', `/valuation-models/${second.id}/activate`);
    expect(activated.json(), activated.body).toMatchObject({ version: 2, active: true });
    // The model read before the swap is still whole and usable; new valuations use version 2.
    expect(before.row.version).toBe(1);
    const after = await call(domus, asUser(owner), 'POST', '/valuations', { propertyId });
    expect(after.json().model.version).toBe(2);
    const models = (await call(domus, asUser(owner), 'GET', '/valuation-models')).json().items;
    expect(models.filter((m: { active: boolean }) => m.active).map((m: { version: number }) => m.version)).toEqual([2]);
    expectProblem(await call(domus, asUser(owner), 'POST', '/valuation-models/00000000-0000-4000-8000-000000000002/activate'), 404, 'MODEL_NOT_FOUND');
  }, 180_000);
});
