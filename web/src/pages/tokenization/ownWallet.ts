import { createWalletClient, custom, getAddress, isAddress, isHex, type Address, type EIP1193Provider, type Hex, type WalletClient } from 'viem';

/**
 * Own-wallet (EIP-1193) support for the tokenization pages. The API answers an own-wallet action
 * with unsigned transactions ({ from, to, data, value, chainId, description }); the wallet signs
 * each (eth_signTransaction) and the page relays it with POST /tokenization/transactions, in
 * order, waiting for each to be mined before the next (an approve before the buy that spends it).
 * Wallets that do not sign without sending (MetaMask answers 4200 / -32601) send the transaction
 * themselves when the platform runs on a public RPC chain the wallet can reach; the indexer sees
 * it either way. The orchestration below takes its wallet and API calls as functions so it is
 * unit-tested without a browser.
 */
export interface UnsignedTransaction {
  from: string;
  to: string;
  data: string;
  value: string;
  chainId: number;
  /** Fully specified by the API (EIP-1559), so the wallet need not reach the chain to sign. */
  type: 'eip1559';
  nonce: number;
  gas: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  description: string;
}

export interface SignRequest {
  account: Address;
  to: Address;
  data: Hex;
  value: bigint;
  chainId: number;
  type: 'eip1559';
  nonce: number;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const wholeNumber = /^\d+$/;

/** Maps one API unsigned transaction to the request viem's signTransaction/sendTransaction takes. */
export function toSignRequest(tx: UnsignedTransaction): SignRequest {
  if (!isAddress(tx.from, { strict: false })) throw new Error(`The API's transaction "${tx.description}" has an invalid sender ${tx.from}.`);
  if (!isAddress(tx.to, { strict: false })) throw new Error(`The API's transaction "${tx.description}" has an invalid recipient ${tx.to}.`);
  if (!isHex(tx.data)) throw new Error(`The API's transaction "${tx.description}" has data that is not hex.`);
  if (!wholeNumber.test(tx.value)) throw new Error(`The API's transaction "${tx.description}" has a value that is not a whole number of wei: ${tx.value}.`);
  if (!Number.isSafeInteger(tx.chainId) || tx.chainId <= 0) throw new Error(`The API's transaction "${tx.description}" has an invalid chain id ${tx.chainId}.`);
  if (!Number.isSafeInteger(tx.nonce) || tx.nonce < 0) throw new Error(`The API's transaction "${tx.description}" has an invalid nonce ${tx.nonce}.`);
  for (const field of ['gas', 'maxFeePerGas', 'maxPriorityFeePerGas'] as const) {
    if (!wholeNumber.test(tx[field])) throw new Error(`The API's transaction "${tx.description}" has a ${field} that is not a whole number: ${tx[field]}.`);
  }
  return {
    account: getAddress(tx.from),
    to: getAddress(tx.to),
    data: tx.data,
    value: BigInt(tx.value),
    chainId: tx.chainId,
    type: 'eip1559',
    nonce: tx.nonce,
    gas: BigInt(tx.gas),
    maxFeePerGas: BigInt(tx.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
  };
}

export const sameAddress = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The EIP-1193 error code of a wallet error, looked up through viem's `cause` chain. */
export function walletErrorCode(error: unknown): number | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 8; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The wallet does not implement the method (EIP-1193 4200, JSON-RPC -32601). */
export const isUnsupportedMethod = (error: unknown) => {
  const code = walletErrorCode(error);
  return code === 4200 || code === -32601;
};

/** A message for a wallet error: the person's own rejection said plainly, otherwise viem's short message. */
export function walletErrorMessage(error: unknown): string {
  if (walletErrorCode(error) === 4001) return 'You rejected the request in your wallet.';
  const short = (error as { shortMessage?: unknown }).shortMessage;
  if (typeof short === 'string' && short) return short;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/** Why the wallet cannot sign for this chain, or null when it is on the right one. */
export function chainMismatch(walletChainId: number, expected: number): string | null {
  return walletChainId === expected ? null : `Your wallet is on chain ${walletChainId}; Domus runs on chain ${expected}. Switch networks in your wallet and try again.`;
}

export type StepState = 'waiting' | 'signing' | 'relaying' | 'done' | 'failed';
export interface Step {
  description: string;
  state: StepState;
  hash?: string;
  error?: string;
}

export interface SignAndRelayDeps {
  /** Signs without sending (eth_signTransaction); returns the serialized signed transaction. */
  sign: (request: SignRequest) => Promise<Hex>;
  /** POST /tokenization/transactions; resolves once mined, rejects with the problem. */
  relay: (signed: Hex) => Promise<{ transaction: { hash: string } }>;
  /** Sends through the wallet itself; only when the wallet can reach the platform's chain. */
  send?: (request: SignRequest) => Promise<Hex>;
  onStep: (steps: Step[]) => void;
  /** The message for a failed step (the problem+json detail for API errors). */
  describe: (error: unknown) => string;
}

/**
 * Signs and relays the transactions in order, reporting each step's state. Stops at the first
 * failure (later transactions usually depend on it) and returns false; true when all are done.
 */
export async function signAndRelay(transactions: UnsignedTransaction[], deps: SignAndRelayDeps): Promise<boolean> {
  const steps: Step[] = transactions.map((tx) => ({ description: tx.description, state: 'waiting' }));
  const update = (index: number, patch: Partial<Step>) => {
    steps[index] = { ...steps[index]!, ...patch };
    deps.onStep(steps.map((step) => ({ ...step })));
  };
  deps.onStep(steps.map((step) => ({ ...step })));
  let canSign = true;
  for (const [index, tx] of transactions.entries()) {
    try {
      const request = toSignRequest(tx);
      update(index, { state: 'signing' });
      if (canSign) {
        try {
          const signed = await deps.sign(request);
          update(index, { state: 'relaying' });
          const relayed = await deps.relay(signed);
          update(index, { state: 'done', hash: relayed.transaction.hash });
          continue;
        } catch (error) {
          if (!isUnsupportedMethod(error) || !deps.send) throw error;
          canSign = false; // this wallet only sends: use that for the rest too
        }
      }
      const hash = await deps.send!(request);
      update(index, { state: 'done', hash });
    } catch (error) {
      update(index, { state: 'failed', error: deps.describe(error) });
      return false;
    }
  }
  return true;
}

/** The injected EIP-1193 provider (window.ethereum), if any. */
export function injectedProvider(): EIP1193Provider | null {
  if (typeof window === 'undefined') return null;
  const provider = (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
  return provider && typeof provider.request === 'function' ? provider : null;
}

export function walletClient(provider: EIP1193Provider): WalletClient {
  return createWalletClient({ transport: custom(provider) });
}
