import type { ListingKind, ListingStatus } from '../api/types';

export interface StatusAction {
  to: ListingStatus;
  label: string;
  /** Visual weight: the forward step is primary, going back or withdrawing is secondary. */
  tone: 'primary' | 'secondary' | 'danger';
}

/**
 * The transitions docs/api.md allows from each status. The server is the authority (409
 * INVALID_STATUS_TRANSITION); this only decides which buttons to offer.
 */
export function allowedStatusActions(status: ListingStatus, kind: ListingKind): StatusAction[] {
  switch (status) {
    case 'draft':
      return [
        { to: 'active', label: 'Publish', tone: 'primary' },
        { to: 'withdrawn', label: 'Withdraw', tone: 'danger' },
      ];
    case 'active':
      return [
        { to: 'under_offer', label: 'Mark under offer', tone: 'primary' },
        { to: 'withdrawn', label: 'Withdraw', tone: 'danger' },
      ];
    case 'under_offer':
      return [
        kind === 'sale'
          ? { to: 'sold', label: 'Mark sold', tone: 'primary' }
          : { to: 'rented', label: 'Mark rented', tone: 'primary' },
        { to: 'active', label: 'Back to active', tone: 'secondary' },
        { to: 'withdrawn', label: 'Withdraw', tone: 'danger' },
      ];
    case 'withdrawn':
      return [{ to: 'active', label: 'Republish', tone: 'primary' }];
    case 'sold':
    case 'rented':
      return [];
  }
}

/** Whether the listing is visible to the public (search and the property page). */
export function isPublicStatus(status: ListingStatus): boolean {
  return status === 'active' || status === 'under_offer' || status === 'sold' || status === 'rented';
}
