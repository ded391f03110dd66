import { expect } from 'vitest';
import { asUser, call, createListing, createProperty, setStatus, type Caller } from '../../../test/support/api-client';
import { createOrganization, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { stepUp } from '../../../test/support/step-up';

export const GERMANY = 276;

export interface Issuer {
  admin: SignedInUser;
  caller: Caller;
  organizationId: string;
  listingId: string;
}

/** An agency admin with an active listing, ready to tokenize. */
export async function issuerWithListing(domus: TestDomus): Promise<Issuer> {
  const admin = await signUp(domus, 'Agency Admin');
  const caller = asUser(admin);
  const organizationId = await createOrganization(domus, admin, 'Tokenizing Agency');
  const property = await createProperty(domus, caller, organizationId);
  const listing = await createListing(domus, caller, property.id, { askingPrice: { amountMinor: 50_000_000, currency: 'USD' } });
  await setStatus(domus, caller, listing.id, 'active');
  return { admin, caller, organizationId, listingId: listing.id };
}

export interface Investor {
  user: SignedInUser;
  caller: Caller;
  wallet: string;
}

/** A user with a custodial wallet, approved sandbox KYC (mirrored on chain) and `dollars` of sandbox stablecoin. */
export async function investor(domus: TestDomus, name: string, dollars: number, options: { kyc?: boolean } = {}): Promise<Investor> {
  const user = await signUp(domus, name);
  const caller = asUser(user);
  const created = await call(domus, caller, 'POST', '/tokenization/wallets/custodial');
  expect(created.statusCode, created.body).toBe(200);
  const wallet = (created.json() as { address: string }).address;
  if (options.kyc !== false) {
    const kyc = await call(domus, caller, 'POST', '/tokenization/kyc', { fullName: `${name} Investor`, dateOfBirth: '1985-04-12', country: GERMANY });
    expect(kyc.statusCode, kyc.body).toBe(200);
  }
  if (dollars > 0) {
    const funded = await call(domus, caller, 'POST', `/tokenization/wallets/${wallet}/sandbox-funds`, { amount: { amountMinor: dollars * 100, currency: 'USD' } });
    expect(funded.statusCode, funded.body).toBe(200);
  }
  return { user, caller, wallet };
}

/** Money actions need a recent second factor (policy stepUp); tests mark the session as verified now. */
export async function confirm(domus: TestDomus, who: { user?: SignedInUser; admin?: SignedInUser }): Promise<void> {
  await stepUp(domus, (who.user ?? who.admin)!);
}

export async function tokenize(domus: TestDomus, issuer: Issuer) {
  const response = await call(domus, issuer.caller, 'POST', '/tokenization/properties', { listingId: issuer.listingId, symbol: 'KZG123' });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; status: string; contracts: Record<string, string | null>; recordPeriodSeconds: number };
}

export async function openOffering(domus: TestDomus, issuer: Issuer, propertyId: string, body: Record<string, unknown> = {}) {
  const closesAt = new Date(domus.clock.now().getTime() + 7 * 86_400_000).toISOString();
  const response = await call(domus, issuer.caller, 'POST', `/tokenization/properties/${propertyId}/offerings`, {
    pricePerShare: { amountMinor: 10_000, currency: 'USD' },
    softCapShares: 10,
    hardCapShares: 100,
    closesAt,
    ...body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; status: string; address: string };
}
