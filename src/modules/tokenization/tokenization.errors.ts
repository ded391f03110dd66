import { defineErrors, platformErrors, type FieldProblem } from '../../platform/errors';

/**
 * Codes of the tokenization module (docs/tokenization.md, "Errors"). Compliance failures found by
 * the pre-checks (`canTransfer`, `canFill`, the offering's own conditions) are 4xx answers that name
 * the rule, sent before any transaction; failures of the chain itself are 502/503, and nothing is
 * recorded as done unless its transaction was mined successfully.
 */
export const tokenizationErrors = defineErrors({
  TOKENIZED_PROPERTY_NOT_FOUND: { status: 404, title: 'Tokenized property not found' },
  TOKENIZATION_LISTING_NOT_FOUND: { status: 404, title: 'Listing not found' },
  LISTING_NOT_TOKENIZABLE: { status: 409, title: 'The listing cannot be tokenized' },
  PROPERTY_ALREADY_TOKENIZED: { status: 409, title: 'The property is already tokenized' },
  OFFERING_NOT_FOUND: { status: 404, title: 'Offering not found' },
  OFFERING_ALREADY_RUNNING: { status: 409, title: 'The property already has an offering that is not finalized' },
  OFFERING_NOT_OPEN: { status: 409, title: 'The offering is not open for purchases' },
  OFFERING_STILL_OPEN: { status: 409, title: 'The offering is still open' },
  OFFERING_HARD_CAP_EXCEEDED: { status: 409, title: 'Not enough shares left in the offering' },
  OFFERING_NOTHING_TO_SETTLE: { status: 409, title: 'Nothing to deliver or refund' },
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found' },
  ORDER_NOT_FILLABLE: { status: 409, title: 'The order cannot be filled' },
  WALLET_NOT_FOUND: { status: 404, title: 'Wallet not found' },
  WALLET_ALREADY_LINKED: { status: 409, title: 'The wallet is already linked' },
  WALLET_SIGNATURE_INVALID: { status: 422, title: 'The wallet signature does not prove ownership' },
  CUSTODIAL_WALLET_REQUIRED: { status: 409, title: 'This action needs a custodial wallet' },
  KYC_REQUIRED: { status: 403, title: 'Identity verification required' },
  KYC_REJECTED: { status: 422, title: 'Identity verification was rejected' },
  INSUFFICIENT_STABLECOIN: { status: 409, title: 'Not enough stablecoin in the wallet' },
  NOTHING_TO_CLAIM: { status: 409, title: 'No rent to claim' },
  RENT_NOT_DEPOSITABLE: { status: 409, title: 'Rent cannot be deposited yet' },
  SANDBOX_ONLY: { status: 409, title: 'Only available with the sandbox stablecoin' },
  AGENT_ACTION_REFUSED: { status: 409, title: 'The compliance action does not fit the wallets\' current state' },
  RECOVERY_WALLET_MISMATCH: { status: 422, title: 'A recovery moves shares only between wallets of the same verified investor' },
  /** A compliance rule of the share token (the `rule` extension names it; see TransferRule). */
  COMPLIANCE_RULE_FAILED: { status: 422, title: 'The transfer breaks a compliance rule' },
  TRANSACTION_INVALID: { status: 400, title: 'The signed transaction is not acceptable' },
  CHAIN_TRANSACTION_REVERTED: { status: 502, title: 'The chain rejected the transaction' },
  CHAIN_NONCE_CONFLICT: { status: 502, title: 'The transaction nonce was out of step with the chain' },
  CHAIN_UNAVAILABLE: { status: 503, title: 'The blockchain node is unreachable' },
  CHAIN_GAS_UNFUNDED: { status: 503, title: 'The gas for this transaction cannot be paid' },
});

export function validationFailed(problems: FieldProblem[]) {
  return platformErrors.VALIDATION_FAILED(`Fix these fields: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, problems);
}

/** The share token's TransferRule codes (contracts/src/interfaces/IPropertyShares.sol), in order. */
export const transferRules = [
  'Allowed',
  'Paused',
  'InsufficientBalance',
  'SenderFrozen',
  'FrozenAmount',
  'LockedUp',
  'ReceiverFrozen',
  'ReceiverNotVerified',
  'IdentityExpired',
  'CountryNotAllowed',
  'MaxBalanceExceeded',
  'MaxHoldersReached',
] as const;
export type TransferRule = (typeof transferRules)[number];

const ruleExplanations: Record<TransferRule, string> = {
  Allowed: 'allowed',
  Paused: 'trading in these shares is paused by the issuer',
  InsufficientBalance: 'the sender does not hold enough shares',
  SenderFrozen: "the sender's wallet is frozen",
  FrozenAmount: "part of the sender's shares are frozen",
  LockedUp: 'the shares are locked up and cannot be sold yet',
  ReceiverFrozen: "the receiver's wallet is frozen",
  ReceiverNotVerified: 'the receiving wallet has no verified identity (complete KYC and wait for it to be mirrored on chain)',
  IdentityExpired: "the receiver's identity verification has expired; renew the KYC",
  CountryNotAllowed: "the receiver's country is not allowed for this property",
  MaxBalanceExceeded: 'the receiver would hold more than the maximum balance per investor',
  MaxHoldersReached: 'the property has reached its maximum number of holders',
};

/** 422 naming the rule; `rule` and `ruleCode` are problem+json extensions clients can branch on. */
export function complianceFailed(code: number, context: string) {
  const rule = transferRules[code] ?? 'Allowed';
  return tokenizationErrors.COMPLIANCE_RULE_FAILED(`${context}: ${ruleExplanations[rule]} (rule ${rule}).`, [], { rule, ruleCode: code });
}
