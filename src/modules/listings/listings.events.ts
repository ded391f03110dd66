/** Events the listings module publishes on the platform bus. */
export interface ListingPublishedEvent {
  listingId: string;
  organizationId: string;
  /** ISO 8601: when the listing became active (first publication or a return to the market). */
  at: string;
}

declare module '../../platform/events' {
  interface DomusEvents {
    'listing.published': ListingPublishedEvent;
  }
}
