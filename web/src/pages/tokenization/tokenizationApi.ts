import { request } from '../../api/client';
import type { Money } from '../../api/types';
import type { UnsignedTransaction } from './ownWallet';

export interface Offering {
  id: string;
  tokenizedPropertyId: string;
  address: string | null;
  pricePerShare: Money;
  softCapShares: number;
  hardCapShares: number;
  opensAt: string;
  closesAt: string;
  status: 'deploying' | 'upcoming' | 'open' | 'awaiting_finalization' | 'succeeded' | 'failed';
  soldShares: number;
  raised: Money;
  purchases: number;
}

export interface TokenizedProperty {
  id: string;
  listingId: string;
  organizationId: string;
  chainId: number;
  deedId: number;
  name: string;
  symbol: string;
  status: 'deploying' | 'active';
  lastError: string | null;
  contracts: Record<'deed' | 'registry' | 'shares' | 'distributor' | 'market' | 'stablecoin', string | null>;
  recordPeriodSeconds: number;
  holders: number;
  rent: { deposited: Money; claimed: Money; deposits: number };
  offerings: Offering[];
}

export interface ActionResult {
  status: 'done' | 'sign';
  transactions: { hash: string; blockNumber: string; description: string }[];
  unsignedTransactions: UnsignedTransaction[];
}

export interface Wallet {
  address: string;
  custodial: boolean;
  identityOnChain: 'not_requested' | 'pending' | 'synced';
  identityError: string | null;
  stablecoinBalance: Money;
}

export interface Kyc {
  status: 'none' | 'approved' | 'rejected' | 'revoked';
  provider: string | null;
  country: number | null;
  expiresAt: string | null;
  reason: string | null;
}

export interface Portfolio {
  kyc: Kyc;
  wallets: Wallet[];
  positions: {
    tokenizedPropertyId: string;
    name: string;
    symbol: string;
    wallet: string;
    shares: number;
    eligibleShares: number;
    pendingShares: number;
    earnsRentFrom: string | null;
    claimableRent: Money;
    claimedRent: Money;
  }[];
  history: { event: string; kind: string; transactionHash: string; blockNumber: string; at: string; details: Record<string, unknown> }[];
}

export interface Order {
  orderId: number;
  side: 'sell' | 'buy';
  maker: string;
  shares: number;
  remainingShares: number;
  pricePerShare: Money;
  status: 'open' | 'filled' | 'cancelled';
  mine: boolean;
}

export interface ChainInfo {
  chainId: number;
  kind: 'in-process' | 'rpc';
  stablecoin: { symbol: string; decimals: number; sandbox: boolean };
}

const usd = (amountMinor: number): Money => ({ amountMinor, currency: 'USD' });

/** The tokenization REST API (docs/tokenization.md, "API"). */
export const tokenizationApi = {
  chain: (signal?: AbortSignal) => request<ChainInfo>('GET', '/tokenization/chain', { signal }),
  properties: (signal?: AbortSignal) => request<{ items: TokenizedProperty[] }>('GET', '/tokenization/properties', { signal }),
  property: (id: string, signal?: AbortSignal) => request<TokenizedProperty>('GET', `/tokenization/properties/${id}`, { signal }),
  tokenize: (listingId: string) => request<TokenizedProperty>('POST', '/tokenization/properties', { json: { listingId } }),
  openOffering: (propertyId: string, input: { pricePerShareMinor: number; softCapShares: number; hardCapShares: number; closesAt: string }) =>
    request<Offering>('POST', `/tokenization/properties/${propertyId}/offerings`, {
      json: { pricePerShare: usd(input.pricePerShareMinor), softCapShares: input.softCapShares, hardCapShares: input.hardCapShares, closesAt: input.closesAt },
    }),
  finalize: (offeringId: string) => request<Offering>('POST', `/tokenization/offerings/${offeringId}/finalize`),
  /** `wallet`: a linked own wallet; the answer is then unsigned transactions to sign (ownWallet.ts). */
  buy: (offeringId: string, shares: number, wallet?: string) => request<ActionResult>('POST', `/tokenization/offerings/${offeringId}/purchases`, { json: { shares, wallet } }),
  deposit: (propertyId: string, amountMinor: number) => request<ActionResult>('POST', `/tokenization/properties/${propertyId}/rent-deposits`, { json: { amount: usd(amountMinor) } }),
  claim: (propertyId: string, wallet?: string) => request<ActionResult>('POST', `/tokenization/properties/${propertyId}/claims`, { json: { wallet } }),
  portfolio: (signal?: AbortSignal) => request<Portfolio>('GET', '/tokenization/portfolio', { signal }),
  createWallet: () => request<Wallet>('POST', '/tokenization/wallets/custodial'),
  wallets: (signal?: AbortSignal) => request<{ items: Wallet[] }>('GET', '/tokenization/wallets', { signal }),
  linkMessage: (address: string) => request<{ message: string }>('GET', '/tokenization/wallets/link-message', { query: { address } }),
  linkWallet: (address: string, signature: string) => request<Wallet>('POST', '/tokenization/wallets', { json: { address, signature } }),
  relay: (signedTransaction: string) => request<{ transaction: { hash: string; blockNumber: string; description: string } }>('POST', '/tokenization/transactions', { json: { signedTransaction } }),
  sandboxFunds: (address: string, amountMinor: number) => request<ActionResult>('POST', `/tokenization/wallets/${address}/sandbox-funds`, { json: { amount: usd(amountMinor) } }),
  submitKyc: (input: { fullName: string; dateOfBirth: string; country: number }) => request<Kyc>('POST', '/tokenization/kyc', { json: input }),
  orders: (propertyId: string, signal?: AbortSignal) => request<{ market: string | null; orders: Order[] }>('GET', `/tokenization/properties/${propertyId}/orders`, { signal }),
  placeOrder: (propertyId: string, side: 'sell' | 'buy', shares: number, priceMinor: number, wallet?: string) =>
    request<ActionResult>('POST', `/tokenization/properties/${propertyId}/orders`, { json: { side, shares, pricePerShare: usd(priceMinor), wallet } }),
  fill: (propertyId: string, orderId: number, shares: number, wallet?: string) => request<ActionResult>('POST', `/tokenization/properties/${propertyId}/orders/${orderId}/fill`, { json: { shares, wallet } }),
  cancel: (propertyId: string, orderId: number) => request<ActionResult>('POST', `/tokenization/properties/${propertyId}/orders/${orderId}/cancel`, { json: {} }),
};
