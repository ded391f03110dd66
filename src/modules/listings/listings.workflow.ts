import { listingsErrors } from './listings.errors';
import type { ListingKind, ListingStatus } from './listings.import-types';

/**
 * The status workflow, enforced here and nowhere else (docs/api.md, docs/listings.md):
 *
 *   draft → active → under_offer → sold | rented
 *   draft → withdrawn, active → withdrawn, under_offer → active | withdrawn, withdrawn → active
 *
 * sold is only for sale listings and rented only for rent listings; sold and rented are final.
 */
export const allowedTransitions: Readonly<Record<ListingStatus, readonly ListingStatus[]>> = {
  draft: ['active', 'withdrawn'],
  active: ['under_offer', 'withdrawn'],
  under_offer: ['active', 'withdrawn', 'sold', 'rented'],
  withdrawn: ['active'],
  sold: [],
  rented: [],
};

const closingStatusByKind: Record<ListingKind, ListingStatus> = { sale: 'sold', rent: 'rented' };

export function isAllowedTransition(kind: ListingKind, from: ListingStatus, to: ListingStatus): boolean {
  if (!allowedTransitions[from].includes(to)) return false;
  if ((to === 'sold' || to === 'rented') && closingStatusByKind[kind] !== to) return false;
  return true;
}

export function assertTransition(kind: ListingKind, from: ListingStatus, to: ListingStatus): void {
  if (isAllowedTransition(kind, from, to)) return;
  const allowed = allowedTransitions[from].filter((status) => isAllowedTransition(kind, from, status));
  const reason =
    (to === 'sold' || to === 'rented') && closingStatusByKind[kind] !== to
      ? ` A ${kind} listing ends as ${closingStatusByKind[kind]}, not ${to}.`
      : '';
  throw listingsErrors.INVALID_STATUS_TRANSITION(
    `A ${kind} listing cannot go from ${from} to ${to}.${reason} From ${from} it can go to: ${allowed.length > 0 ? allowed.join(', ') : 'nothing (final)'}.`,
    [{ path: 'status', message: `cannot change from ${from} to ${to}` }],
    { from, to, allowed },
  );
}

export function isClosedStatus(status: ListingStatus): boolean {
  return status === 'sold' || status === 'rented';
}

/** Timestamps a transition sets: published_at on first activation, closed_at on closing. */
export function transitionTimestamps(
  current: { published_at: Date | null; closed_at: Date | null },
  to: ListingStatus,
  now: Date,
): { published_at: Date | null; closed_at: Date | null } {
  return {
    published_at: to === 'active' && current.published_at === null ? now : current.published_at,
    closed_at: to === 'sold' || to === 'rented' || to === 'withdrawn' ? now : null,
  };
}
