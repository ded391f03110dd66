import { request } from '../../api/client';
import type { Money } from '../../api/types';

export interface Offer {
  id: string;
  number: number;
  side: 'buyer' | 'seller';
  createdBy: string;
  respondsTo: string | null;
  amount: Money;
  conditions: { financing: boolean; inspection: boolean; closingDate: string; notes: string };
  expiresAt: string;
  status: string;
  createdAt: string;
}

export interface Deal {
  id: string;
  listingId: string;
  buyerUserId: string;
  currency: string;
  status: 'open' | 'accepted';
  acceptedOfferId: string | null;
  version: number;
  yourSide: 'buyer' | 'seller';
  offers: Offer[];
  createdAt: string;
  updatedAt: string;
}

export interface DealEvent {
  sequence: number;
  type: string;
  actorUserId: string | null;
  offerId: string | null;
  amount: Money | null;
  occurredAt: string;
}

export interface OfferInput {
  expectedVersion: number;
  amount: Money;
  conditions: Offer['conditions'];
  expiresAt: string;
}

/** The deals REST API (docs/deals.md), the authority for every offer change. */
export const dealsApi = {
  list: (signal?: AbortSignal) => request<{ items: Deal[]; nextCursor: string | null }>('GET', '/deals', { query: { limit: 50 }, signal }),
  get: (id: string, signal?: AbortSignal) => request<Deal>('GET', `/deals/${id}`, { signal }),
  events: (id: string, signal?: AbortSignal) => request<{ items: DealEvent[] }>('GET', `/deals/${id}/events`, { query: { limit: 100 }, signal }),
  offer: (id: string, input: OfferInput) => request<Deal>('POST', `/deals/${id}/offers`, { json: input }),
  act: (id: string, offerId: string, action: 'accept' | 'reject' | 'withdraw', expectedVersion: number) =>
    request<Deal>('POST', `/deals/${id}/offers/${offerId}/${action}`, { json: { expectedVersion } }),
};
