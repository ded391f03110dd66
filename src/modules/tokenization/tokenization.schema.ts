import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte hex address (0x + 40 hex digits)');
const uuid = z.uuid();
const wholeShares = z.number().int('must be a whole number of shares').min(1, 'must be at least 1 share').max(1_000_000_000);
const usd = z
  .object({
    amountMinor: z.number().int('must be whole cents').min(1, 'must be positive').max(9_000_000_000_000),
    currency: z.literal('USD', { message: 'the platform stablecoin is a US dollar token: use USD' }),
  })
  .strict();

export const idParams = z.object({ id: uuid });
export const orderParams = z.object({ id: uuid, orderId: z.coerce.number().int().min(1) });
export const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(200).optional() });

export const walletChoice = address
  .optional()
  .describe('Your linked own wallet: the answer is the unsigned transactions to sign. Omit to act with your custodial wallet.');

export const tokenizeBody = z
  .object({
    listingId: uuid,
    name: z.string().trim().min(3).max(80).optional().describe('Share token name; defaults to "Domus " + the listing title'),
    symbol: z.string().trim().regex(/^[A-Z0-9]{2,11}$/, 'must be 2-11 capital letters or digits').optional(),
    titleDocumentsHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 32-byte hex hash').optional().describe('keccak256 of the title documents; defaults to a hash of the listing'),
  })
  .strict();
export type TokenizeInput = z.infer<typeof tokenizeBody>;

export const createOfferingBody = z
  .object({
    pricePerShare: usd,
    softCapShares: z.number().int().min(0).max(1_000_000_000),
    hardCapShares: wholeShares,
    opensAt: z.iso.datetime({ offset: true }).optional().describe('Defaults to now'),
    closesAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type CreateOfferingInput = z.infer<typeof createOfferingBody>;

export const purchaseBody = z.object({ shares: wholeShares, wallet: walletChoice }).strict();
export const claimBody = z.object({ wallet: walletChoice }).strict();
export const depositBody = z.object({ amount: usd }).strict();
export const placeOrderBody = z
  .object({ side: z.enum(['sell', 'buy']), shares: wholeShares, pricePerShare: usd, wallet: walletChoice })
  .strict();
export const fillOrderBody = z.object({ shares: wholeShares, wallet: walletChoice }).strict();
export const cancelOrderBody = z.object({ wallet: walletChoice }).strict();
export const signedTransactionBody = z
  .object({ signedTransaction: z.string().regex(/^0x[0-9a-fA-F]+$/, 'must be a hex-encoded signed transaction') })
  .strict();
export const linkWalletBody = z
  .object({
    address,
    signature: z.string().regex(/^0x[0-9a-fA-F]+$/, 'must be a hex signature').describe('personal_sign of the message from GET /tokenization/wallets/link-message'),
  })
  .strict();
export const sandboxFundsBody = z.object({ amount: usd }).strict();
export const kycBody = z
  .object({
    fullName: z.string().trim().min(2).max(200),
    dateOfBirth: z.iso.date(),
    country: z.number().int().min(1).max(999).describe('ISO 3166-1 numeric country code, e.g. 276 Germany, 250 France, 840 United States'),
  })
  .strict();

const moneyOut = z.object({ amountMinor: z.number().int(), currency: z.string() });
const transactionOut = z.object({ hash: z.string(), blockNumber: z.string(), description: z.string() });
const wei = z.string().regex(/^\d+$/);
const unsignedOut = z
  .object({
    from: z.string(),
    to: z.string(),
    data: z.string(),
    value: wei,
    chainId: z.number().int(),
    type: z.literal('eip1559'),
    nonce: z.number().int().describe('consecutive from your account\'s pending transaction count: sign them in order'),
    gas: wei.describe('gas limit: estimated, or a ceiling for a step that depends on the one before it'),
    maxFeePerGas: wei,
    maxPriorityFeePerGas: wei,
    description: z.string(),
  })
  .describe('A fully specified EIP-1559 transaction: a wallet that cannot reach the chain signs it as is');

export const actionResultSchema = z.object({
  status: z.enum(['done', 'sign']).describe('done: mined with the custodial wallet; sign: sign and POST these to /tokenization/transactions in order'),
  transactions: z.array(transactionOut),
  unsignedTransactions: z.array(unsignedOut),
});
export type ActionResult = z.infer<typeof actionResultSchema>;

export const offeringSchema = z.object({
  id: z.string(),
  tokenizedPropertyId: z.string(),
  address: z.string().nullable(),
  pricePerShare: moneyOut,
  softCapShares: z.number(),
  hardCapShares: z.number(),
  opensAt: z.string(),
  closesAt: z.string(),
  status: z.enum(['deploying', 'upcoming', 'open', 'awaiting_finalization', 'succeeded', 'failed']),
  soldShares: z.number(),
  raised: moneyOut,
  purchases: z.number().int(),
});
export type OfferingView = z.infer<typeof offeringSchema>;

export const tokenizedPropertySchema = z.object({
  id: z.string(),
  listingId: z.string(),
  propertyId: z.string(),
  organizationId: z.string(),
  chainId: z.number(),
  deedId: z.number(),
  name: z.string(),
  symbol: z.string(),
  titleDocumentsHash: z.string(),
  status: z.enum(['deploying', 'active']),
  lastError: z.string().nullable(),
  contracts: z.object({
    deed: z.string(),
    registry: z.string(),
    shares: z.string().nullable(),
    distributor: z.string().nullable(),
    market: z.string().nullable(),
    stablecoin: z.string(),
  }),
  recordPeriodSeconds: z.number(),
  holders: z.number().int(),
  rent: z.object({ deposited: moneyOut, claimed: moneyOut, deposits: z.number().int() }),
  offerings: z.array(offeringSchema),
  createdAt: z.string(),
});
export type TokenizedPropertyView = z.infer<typeof tokenizedPropertySchema>;

export const walletSchema = z.object({
  address: z.string(),
  custodial: z.boolean(),
  identityOnChain: z.enum(['not_requested', 'pending', 'synced']),
  identityError: z.string().nullable(),
  stablecoinBalance: moneyOut,
  createdAt: z.string(),
});
export type WalletView = z.infer<typeof walletSchema>;

export const kycSchema = z.object({
  status: z.enum(['none', 'approved', 'rejected', 'revoked']),
  provider: z.string().nullable(),
  country: z.number().nullable(),
  expiresAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export type KycView = z.infer<typeof kycSchema>;

export const positionSchema = z.object({
  tokenizedPropertyId: z.string(),
  name: z.string(),
  symbol: z.string(),
  wallet: z.string(),
  shares: z.number(),
  eligibleShares: z.number(),
  pendingShares: z.number(),
  earnsRentFrom: z.string().nullable().describe('When pending shares start to earn rent (the next record date)'),
  claimableRent: moneyOut,
  claimedRent: moneyOut,
});

export const historyItemSchema = z.object({
  event: z.string(),
  contract: z.string(),
  kind: z.string(),
  transactionHash: z.string(),
  blockNumber: z.string(),
  at: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const portfolioSchema = z.object({
  kyc: kycSchema,
  wallets: z.array(walletSchema),
  positions: z.array(positionSchema),
  history: z.array(historyItemSchema),
});
export type PortfolioView = z.infer<typeof portfolioSchema>;

export const orderSchema = z.object({
  orderId: z.number().int(),
  side: z.enum(['sell', 'buy']),
  maker: z.string(),
  shares: z.number(),
  remainingShares: z.number(),
  pricePerShare: moneyOut,
  status: z.enum(['open', 'filled', 'cancelled']),
  mine: z.boolean(),
});
export const orderBookSchema = z.object({ market: z.string().nullable(), orders: z.array(orderSchema) });

export const chainInfoSchema = z.object({
  chainId: z.number(),
  kind: z.enum(['in-process', 'rpc']),
  operator: z.string(),
  contracts: z.object({ registry: z.string(), deed: z.string(), stablecoin: z.string() }),
  stablecoin: z.object({ symbol: z.string(), decimals: z.number(), sandbox: z.boolean() }),
  indexer: z.object({ cursorBlock: z.string().nullable(), headBlock: z.string(), confirmations: z.number() }),
});

export const relayResultSchema = z.object({ transaction: transactionOut });

// ---- compliance agent (ERC-3643 agent actions) -----------------------------------------------------
const reason = z.string().trim().min(5).max(500).describe('Why: kept in the audit log (a court order, a lost-key report, an AML hold, ...)');
export const agentFreezeBody = z.object({ wallet: address, frozen: z.boolean(), reason }).strict();
export const agentFreezeSharesBody = z.object({ wallet: address, shares: wholeShares, frozen: z.boolean().describe('true freezes these shares, false releases them'), reason }).strict();
export const agentForcedTransferBody = z.object({ from: address, to: address, shares: wholeShares, reason }).strict();
export const agentRecoveryBody = z.object({ lostWallet: address, newWallet: address, reason }).strict();
export const agentPauseBody = z.object({ paused: z.boolean(), reason }).strict();
export const agentWalletQuery = z.object({ wallet: address });
export const agentWalletStateSchema = z.object({
  wallet: z.string(),
  shares: z.number().describe('whole shares held'),
  frozen: z.boolean().describe('the whole wallet is frozen: it can neither send nor receive'),
  frozenShares: z.number().describe('shares of the wallet that cannot move'),
  verified: z.boolean().describe('the identity registry verifies the wallet'),
  paused: z.boolean().describe('all transfers of the property\'s shares are paused'),
});
export type AgentWalletState = z.infer<typeof agentWalletStateSchema>;

const countryCodes = z.array(z.number().int().min(1).max(999)).min(1).max(50).describe('ISO 3166-1 numeric country codes, e.g. 276 Germany');
export const complianceSettingsBody = z
  .object({
    maxHolders: z.number().int().min(0).max(16_777_215).optional().describe('Most distinct holders; 0 removes the cap'),
    maxBalanceShares: z.number().int().min(0).max(1_000_000_000).optional().describe('Most whole shares one investor may hold; 0 removes the cap'),
    lockUpUntil: z.iso.datetime({ offset: true }).nullable().optional().describe('Investors cannot sell before this instant; null ends the lock-up'),
    countryRestricted: z.boolean().optional().describe('true: only receivers from allowed countries pass'),
    allowCountries: countryCodes.optional(),
    disallowCountries: countryCodes.optional(),
    reason,
  })
  .strict()
  .refine((body) => !(body.allowCountries ?? []).some((country) => (body.disallowCountries ?? []).includes(country)), {
    message: 'a country cannot be both allowed and disallowed',
    path: ['disallowCountries'],
  });
export type ComplianceSettingsInput = z.infer<typeof complianceSettingsBody>;
export const complianceSettingsSchema = z.object({
  maxHolders: z.number().describe('0: no cap'),
  holders: z.number().describe('distinct holders now'),
  maxBalanceShares: z.number().describe('0: no cap'),
  lockUpUntil: z.string().nullable(),
  countryRestricted: z.boolean(),
  countries: z.array(z.object({ country: z.number(), allowed: z.boolean() })).describe('the allowance of each country asked for with ?countries=276,250 (and of each changed one)'),
});
export type ComplianceSettings = z.infer<typeof complianceSettingsSchema>;
export const complianceQuery = z.object({
  countries: z
    .string()
    .regex(/^\d{1,3}(,\d{1,3}){0,49}$/, 'must be up to 50 comma-separated ISO numeric country codes')
    .optional(),
});
