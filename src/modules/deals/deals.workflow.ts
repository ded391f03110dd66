import { dealsErrors } from './deals.errors';

export const offerStatuses = ['draft', 'submitted', 'countered', 'accepted', 'rejected', 'withdrawn', 'expired'] as const;
export type OfferStatus = (typeof offerStatuses)[number];
export type Side = 'buyer' | 'seller';
export type OfferAction = 'submit' | 'counter' | 'accept' | 'reject' | 'withdraw' | 'expire';
/** Who may act on an offer: its author's side, the other side, or the clock. */
export type Actor = 'author' | 'recipient' | 'clock';

export interface OfferTransition {
  from: OfferStatus;
  action: OfferAction;
  to: OfferStatus;
  actor: Actor;
}

/**
 * The offer workflow, enforced here and nowhere else (docs/deals.md):
 *
 *   draft → submitted (author) → countered (recipient answers with a new offer)
 *                              → accepted | rejected (recipient) | withdrawn (author) | expired (clock)
 *
 * countered, accepted, rejected, withdrawn and expired are final. Only the one submitted offer of
 * a deal awaits an answer; a counter is a new offer from the other side that starts as submitted.
 */
export const offerTransitions: readonly OfferTransition[] = [
  { from: 'draft', action: 'submit', to: 'submitted', actor: 'author' },
  { from: 'submitted', action: 'counter', to: 'countered', actor: 'recipient' },
  { from: 'submitted', action: 'accept', to: 'accepted', actor: 'recipient' },
  { from: 'submitted', action: 'reject', to: 'rejected', actor: 'recipient' },
  { from: 'submitted', action: 'withdraw', to: 'withdrawn', actor: 'author' },
  { from: 'submitted', action: 'expire', to: 'expired', actor: 'clock' },
];

export function findTransition(from: OfferStatus, action: OfferAction): OfferTransition | undefined {
  return offerTransitions.find((transition) => transition.from === from && transition.action === action);
}

/** Checks the transition and the actor; returns the new status or throws 409/403. */
export function assertOfferTransition(offer: { id: string; status: OfferStatus; side: Side }, action: OfferAction, actorSide: Side | 'clock'): OfferStatus {
  const transition = findTransition(offer.status, action);
  if (!transition) {
    const allowed = offerTransitions.filter((candidate) => candidate.from === offer.status).map((candidate) => candidate.action);
    throw dealsErrors.INVALID_OFFER_TRANSITION(
      `Offer ${offer.id} is ${offer.status}; it cannot be ${pastTense[action]}. ${allowed.length > 0 ? `Allowed: ${allowed.join(', ')}.` : 'It is final.'}`,
      [],
      { offerStatus: offer.status, action },
    );
  }
  const actor: Actor = actorSide === 'clock' ? 'clock' : actorSide === offer.side ? 'author' : 'recipient';
  if (actor !== transition.actor) {
    throw dealsErrors.OFFER_ACTION_FORBIDDEN(
      transition.actor === 'author'
        ? `Only the ${offer.side} side, which made offer ${offer.id}, may have it ${pastTense[action]}.`
        : `Offer ${offer.id} was made by your side (${offer.side}); only the other side may have it ${pastTense[action]}.`,
    );
  }
  return transition.to;
}

const pastTense: Record<OfferAction, string> = {
  submit: 'submitted',
  counter: 'countered',
  accept: 'accepted',
  reject: 'rejected',
  withdraw: 'withdrawn',
  expire: 'expired',
};
