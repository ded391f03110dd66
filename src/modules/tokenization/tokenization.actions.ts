import type { Address, LocalAccount } from 'viem';
import type { AppError } from '../../platform/errors';
import { ChainRevert, type ContractCall } from './chain/chain.service';
import type { ChainContext } from './tokenization.context';
import { complianceFailed, tokenizationErrors, transferRules } from './tokenization.errors';
import type { ActionResult } from './tokenization.schema';

export interface Step {
  call: ContractCall;
  description: string;
}

/**
 * Runs the steps of one user action: with a signer (custodial wallet, or the operator) each is
 * sent and mined in order and the indexer catches up; without one (the user's own wallet) the
 * unsigned transactions are returned for the wallet to sign.
 */
export async function perform(context: ChainContext, actor: { address: Address; signer: LocalAccount | null }, steps: Step[]): Promise<ActionResult> {
  if (!actor.signer) {
    return {
      status: 'sign',
      transactions: [],
      unsignedTransactions: await context.chain.unsigned(actor.address, steps).catch((error: unknown) => {
        throw toAppError(error, steps[0]?.description ?? 'prepare the transactions');
      }),
    };
  }
  const transactions: ActionResult['transactions'] = [];
  for (const step of steps) {
    const receipt = await context.chain.write(actor.signer, step.call).catch((error: unknown) => {
      throw toAppError(error, step.description);
    });
    transactions.push({ hash: receipt.transactionHash, blockNumber: receipt.blockNumber.toString(), description: step.description });
  }
  // The answer reflects the chain: the portfolio read next includes these transactions (a failed
  // round is retried by the poller and the next read).
  await context.indexer.catchUp().catch(() => undefined);
  return { status: 'done', transactions, unsignedTransactions: [] };
}

const complianceErrors: Record<string, number> = {
  EnforcedPause: 1,
  ComplianceSenderFrozen: 3,
  ComplianceFrozenAmount: 4,
  ComplianceLockedUp: 5,
  ComplianceReceiverFrozen: 6,
  ComplianceReceiverNotVerified: 7,
  ComplianceIdentityExpired: 8,
  ComplianceCountryNotAllowed: 9,
  ComplianceMaxBalanceExceeded: 10,
  ComplianceMaxHoldersReached: 11,
};

/**
 * Maps a failure to a problem: a contract's refusal found while checking (nothing was sent) is a
 * 4xx naming the rule or condition when it is one a client can act on; a transaction that was
 * mined and reverted, or an unknown refusal, is a 502 naming the custom error.
 */
export function toAppError(error: unknown, action: string): Error {
  if (!(error instanceof ChainRevert)) return error as Error;
  const { errorName, args } = error.revert;
  const described = `${errorName}(${args.map(String).join(', ')})`;
  if (error.phase === 'simulation') {
    const rule = complianceErrors[errorName];
    if (rule !== undefined) return complianceFailed(rule, `Cannot ${action}`);
    const mapped: Record<string, () => AppError> = {
      OfferingNotOpen: () => tokenizationErrors.OFFERING_NOT_OPEN(`Cannot ${action}: the offering is not open (${described}).`),
      OfferingHardCapExceeded: () => tokenizationErrors.OFFERING_HARD_CAP_EXCEEDED(`Cannot ${action}: only ${String(args[0])} share units are left.`),
      OfferingStillOpen: () => tokenizationErrors.OFFERING_STILL_OPEN(`Cannot ${action}: the offering closes at ${String(args[0])} (unix seconds).`),
      ERC20InsufficientBalance: () => tokenizationErrors.INSUFFICIENT_STABLECOIN(`Cannot ${action}: the wallet's balance is too low (${described}).`),
      ERC20InsufficientAllowance: () => tokenizationErrors.INSUFFICIENT_STABLECOIN(`Cannot ${action}: the approval is too low (${described}); sign the approval transaction first.`),
      RentDistributorEligibleSupplyTooLow: () => tokenizationErrors.RENT_NOT_DEPOSITABLE(`Cannot ${action}: no shares are eligible for rent yet (${described}); shares delivered this record period earn from the next record date.`),
      RentDistributorHolderFrozen: () => tokenizationErrors.COMPLIANCE_RULE_FAILED(`Cannot ${action}: the wallet is frozen, its rent waits for a recovery (rule SenderFrozen).`, [], { rule: 'SenderFrozen', ruleCode: 3 }),
      MarketInvalidOrder: () => tokenizationErrors.ORDER_NOT_FILLABLE(`Cannot ${action}: ${described}.`),
      SharesFreezeExceedsBalance: () => tokenizationErrors.AGENT_ACTION_REFUSED(`Cannot ${action}: the wallet holds ${String(args[1])} share units, fewer than the ${String(args[2])} that would be frozen.`),
      SharesUnfreezeExceedsFrozen: () => tokenizationErrors.AGENT_ACTION_REFUSED(`Cannot ${action}: only ${String(args[1])} share units of the wallet are frozen.`),
      SharesRecoveryTargetNotEmpty: () => tokenizationErrors.AGENT_ACTION_REFUSED(`Cannot ${action}: the new wallet ${String(args[0])} already holds shares; recover into an empty wallet.`),
      SharesInvalidRecovery: () => tokenizationErrors.AGENT_ACTION_REFUSED(`Cannot ${action}: the lost and the new wallet must be two different, non-zero addresses.`),
      SharesSystemAccount: () => tokenizationErrors.AGENT_ACTION_REFUSED(`Cannot ${action}: ${String(args[0])} is a platform contract (offering or market), not an investor wallet.`),
    };
    const factory = mapped[errorName];
    if (factory) return factory();
  }
  return tokenizationErrors.CHAIN_TRANSACTION_REVERTED(
    error.phase === 'mined'
      ? `The transaction to ${action} was mined and reverted with ${described}; nothing was recorded.`
      : `The contracts refused to ${action}: ${described}; nothing was sent.`,
    [],
    { revert: errorName, ...(error.transactionHash ? { transactionHash: error.transactionHash } : {}) },
  );
}

/** canTransfer/canFill answers → 422 naming the rule. */
export function requireAllowed([allowed, rule]: readonly [boolean, number], context: string): void {
  if (!allowed) throw complianceFailed(rule, context);
}

export { transferRules };
