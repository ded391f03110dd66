/** Events the listings module publishes on the platform bus. */
export interface ListingPublishedEvent {
  listingId: string;
  organizationId: string;
  /** ISO 8601: when the listing became active (first publication or a return to the market). */
  at: string;
}

/** A node changed listings: other nodes drop their cached search answers. */
export interface ListingsChangedEvent {
  nodeId: string;
}

declare module '../../platform/events' {
  interface DomusEvents {
    'listing.published': ListingPublishedEvent;
    'listings.changed': ListingsChangedEvent;
  }
}
