import { defineErrors, platformErrors, type FieldProblem } from '../../platform/errors';

/**
 * Codes of the deals module. Generic conditions use the platform's codes: VERSION_CONFLICT (a
 * stale expectedVersion), IDEMPOTENCY_KEY_REUSED, INVALID_CURSOR and VALIDATION_FAILED.
 * Whoever is not a participant of a deal gets DEAL_NOT_FOUND, never a 403.
 */
export const dealsErrors = defineErrors({
  DEAL_NOT_FOUND: { status: 404, title: 'Deal not found' },
  OFFER_NOT_FOUND: { status: 404, title: 'Offer not found' },
  DEAL_LISTING_NOT_FOUND: { status: 404, title: 'Listing not found' },
  LISTING_NOT_OPEN_FOR_OFFERS: { status: 409, title: 'The listing does not take offers' },
  DEAL_ALREADY_OPEN: { status: 409, title: 'You already have a deal on this listing' },
  DEAL_CLOSED: { status: 409, title: 'The deal is closed' },
  OFFER_PENDING: { status: 409, title: 'An offer is awaiting an answer' },
  INVALID_OFFER_TRANSITION: { status: 409, title: 'This offer change is not allowed' },
  OFFER_EXPIRED: { status: 409, title: 'The offer has expired' },
  OFFER_ACTION_FORBIDDEN: { status: 403, title: 'Your side may not do this' },
});

export function validationFailed(problems: FieldProblem[]) {
  return platformErrors.VALIDATION_FAILED(`Fix these fields: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, problems);
}
