import path from 'node:path';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  http,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Clock } from '../../../platform/clock';
import type { Config } from '../../../platform/config';
import type { Secrets } from '../../../platform/secrets';
import type { Logger } from '../../../platform/logger';
import { tokenizationErrors } from '../tokenization.errors';
import { abiOf, allContractErrors, contractArtifacts, type ContractName } from './artifacts';
import type { InProcessChain } from './in-process-chain';

export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
}

/** A call or transaction the contracts refused, with their custom error decoded. */
export class ChainRevert extends Error {
  constructor(
    readonly revert: DecodedRevert,
    /** 'simulation': nothing was sent; 'mined': the transaction was mined and reverted. */
    readonly phase: 'simulation' | 'mined',
    readonly transactionHash?: Hex,
  ) {
    super(`${revert.errorName}(${revert.args.map(String).join(', ')})`);
    this.name = 'ChainRevert';
  }
}

export interface ContractCall {
  address: Address;
  contract: ContractName;
  functionName: string;
  args?: readonly unknown[];
}

/**
 * A transaction for the user's own wallet, fully specified (EIP-1559): a wallet or offline signer
 * that cannot reach the platform's chain (the in-process one has no public RPC) signs it as is.
 * Big numbers are decimal strings (JSON has no bigint).
 */
export interface UnsignedTransaction {
  from: Address;
  to: Address;
  data: Hex;
  value: string;
  chainId: number;
  type: 'eip1559';
  nonce: number;
  gas: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  description: string;
}

/**
 * The gas limit handed out for a step that cannot be estimated before the steps ahead of it are
 * mined (a buy that spends the allowance the approve before it grants). Above what any of these
 * calls costs (the heaviest, a market fill, is about 200,000: bench/gas); only gas used is paid.
 */
export const dependentStepGasLimit = 400_000n;

const errorAbi = (): Abi => allContractErrors();

/** The node refused a transaction whose sender cannot pay its gas (viem's InsufficientFundsError, or the node's text). */
function lacksGasFunds(error: unknown): boolean {
  const matches = (cause: unknown) => (cause as Error | undefined)?.name === 'InsufficientFundsError' || /insufficient funds|sender doesn't have enough funds/i.test(String((cause as Error | undefined)?.message ?? cause));
  return error instanceof BaseError ? Boolean(error.walk(matches)) : matches(error);
}

function isUnreachable(error: unknown): boolean {
  if (!(error instanceof BaseError)) {
    const message = String((error as Error | undefined)?.message ?? error);
    return /ECONNREFUSED|ENOTFOUND|fetch failed|socket hang up|ETIMEDOUT|EAI_AGAIN/i.test(message);
  }
  return Boolean(
    error.walk((cause) => {
      const name = (cause as Error).name;
      return name === 'HttpRequestError' || name === 'TimeoutError' || name === 'WebSocketRequestError' || /fetch failed|ECONNREFUSED/i.test(String((cause as Error).message));
    }),
  );
}

function isNonceProblem(error: unknown): boolean {
  const text = error instanceof BaseError ? `${error.shortMessage} ${error.details ?? ''}` : String((error as Error | undefined)?.message ?? error);
  if (error instanceof BaseError && error.walk((cause) => ['NonceTooLowError', 'NonceTooHighError', 'NonceMaxValueError'].includes((cause as Error).name))) return true;
  return /nonce too (low|high)|invalid nonce|nonce.*(expected|lower|higher)|replacement transaction underpriced|already known/i.test(text);
}

/** The custom error inside a viem failure, decoded against every contract's errors; null if none. */
export function decodeRevert(error: unknown): DecodedRevert | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
    return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  let data: Hex | undefined = reverted instanceof ContractFunctionRevertedError ? reverted.raw : undefined;
  error.walk((cause) => {
    const candidate = (cause as { data?: unknown }).data;
    if (!data && typeof candidate === 'string' && /^0x[0-9a-f]{8}/i.test(candidate)) data = candidate as Hex;
    if (!data && candidate && typeof candidate === 'object' && typeof (candidate as { data?: unknown }).data === 'string') {
      data = (candidate as { data: Hex }).data;
    }
    return false;
  });
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: errorAbi(), data });
      return { errorName: decoded.errorName, args: decoded.args ?? [] };
    } catch {
      return { errorName: `unknown error ${data.slice(0, 10)}`, args: [] };
    }
  }
  if (/revert/i.test(error.shortMessage)) return { errorName: 'execution reverted', args: [] };
  return null;
}

/** Turns a failure of the node (not of a contract) into a clear 503/502. */
export function chainFailure(error: unknown, action: string): Error {
  if (error instanceof ChainRevert) return error;
  const revert = decodeRevert(error);
  if (revert) return new ChainRevert(revert, 'simulation');
  if (isUnreachable(error)) return tokenizationErrors.CHAIN_UNAVAILABLE(`The blockchain node did not answer while trying to ${action}; nothing was recorded. Try again shortly.`);
  if (isNonceProblem(error)) return tokenizationErrors.CHAIN_NONCE_CONFLICT(`The chain refused the transaction to ${action} because its nonce was out of step; nothing was recorded. Retry the request.`);
  if (lacksGasFunds(error)) {
    return tokenizationErrors.CHAIN_GAS_UNFUNDED(`The sending account has too little native coin to pay the gas to ${action}; nothing was recorded. Custodial wallets are topped up by the operator, so its account needs funding; an own wallet needs native coin of its own.`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

interface NonceLane {
  next: number | null;
  queue: Promise<unknown>;
}

/**
 * The chain service (docs/tokenization.md, "Chain service"): a viem client on the in-process
 * chain or on CHAIN_RPC_URL, the operator key, a nonce lane per sending account (so concurrent
 * requests never race for a nonce), receipts awaited, and reverts decoded into the contracts'
 * custom errors.
 */
export class ChainService {
  readonly publicClient: PublicClient;
  private readonly lanes = new Map<Address, NonceLane>();
  private readonly topUps = new Map<Address, Promise<void>>();

  private constructor(
    readonly kind: 'in-process' | 'rpc',
    readonly chainId: number,
    readonly operator: LocalAccount,
    readonly inProcess: InProcessChain | null,
    publicClient: PublicClient,
    private readonly logger: Logger,
    /** Most wei one gas top-up of a custodial wallet may send (CHAIN_GAS_TOPUP_MAX_WEI). */
    private readonly topUpMaxWei: bigint = 0n,
  ) {
    this.publicClient = publicClient;
  }

  static async open(options: { config: Config; secrets: Secrets; clock: Clock; logger: Logger; persist?: boolean }): Promise<ChainService> {
    const { config, secrets, clock, logger } = options;
    if (config.CHAIN_RPC_URL) {
      const transport = http(config.CHAIN_RPC_URL, { retryCount: 1, timeout: 15_000 });
      const publicClient = createPublicClient({ transport, pollingInterval: Math.min(config.CHAIN_POLL_INTERVAL_MS, 1_000) }) as PublicClient;
      let chainId: number;
      try {
        chainId = await publicClient.getChainId();
      } catch (error) {
        throw new Error(`CHAIN_RPC_URL: the node did not answer eth_chainId (${(error as Error).message.split('\n')[0]})`);
      }
      const operator = privateKeyToAccount(config.CHAIN_SIGNER_KEY as Hex);
      logger.info({ chainId, operator: operator.address }, 'chain service connected to a JSON-RPC node');
      return new ChainService('rpc', chainId, operator, null, publicClient, logger, config.CHAIN_GAS_TOPUP_MAX_WEI);
    }
    // Loaded only when used: Hardhat's EDR is not needed with CHAIN_RPC_URL.
    const { InProcessChain } = await import('./in-process-chain');
    const chain = await InProcessChain.open({
      directory: options.persist === false ? null : path.join(config.DATA_DIR, 'chain'),
      clock,
      logger,
    });
    const publicClient = createPublicClient({ transport: custom(chain.provider, { retryCount: 0 }), pollingInterval: 20 }) as PublicClient;
    // The local operator key derives from the root secret (DATA_DIR/secret.key or SECRET_KEY), so it survives restarts.
    const operator = privateKeyToAccount(`0x${secrets.key('tokenization:in-process-operator').toString('hex')}`);
    return new ChainService('in-process', await publicClient.getChainId(), operator, chain, publicClient, logger);
  }

  async read<T>(call: ContractCall, blockNumber?: bigint): Promise<T> {
    try {
      return (await this.publicClient.readContract({
        address: call.address,
        abi: [...abiOf(call.contract), ...errorAbi()],
        functionName: call.functionName,
        args: (call.args ?? []) as unknown[],
        ...(blockNumber !== undefined ? { blockNumber } : {}),
      })) as T;
    } catch (error) {
      throw chainFailure(error, `read ${call.contract}.${call.functionName}`);
    }
  }

  encode(call: ContractCall): Hex {
    return encodeFunctionData({ abi: abiOf(call.contract), functionName: call.functionName, args: (call.args ?? []) as unknown[] });
  }

  /** Runs the call as `from` without sending it; throws ChainRevert('simulation') with the decoded error. */
  async simulate(from: Address, call: ContractCall): Promise<void> {
    try {
      await this.publicClient.call({ account: from, to: call.address, data: this.encode(call) });
    } catch (error) {
      throw chainFailure(error, `check ${call.contract}.${call.functionName}`);
    }
  }

  async write(from: LocalAccount, call: ContractCall): Promise<TransactionReceipt> {
    return this.send(from, { to: call.address, data: this.encode(call) }, `${call.contract}.${call.functionName}`);
  }

  async deploy(name: ContractName, args: readonly unknown[], from: LocalAccount = this.operator): Promise<{ address: Address; receipt: TransactionReceipt }> {
    const artifact = contractArtifacts()[name];
    const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: args as unknown[] });
    const receipt = await this.send(from, { data }, `deploy ${name}`);
    if (!receipt.contractAddress) throw tokenizationErrors.CHAIN_TRANSACTION_REVERTED(`Deploying ${name} produced no contract.`);
    return { address: getAddress(receipt.contractAddress), receipt };
  }

  /**
   * Estimates (which surfaces a revert before anything is sent), signs with the next nonce of the
   * account's lane, sends, and waits for the receipt. A mined revert throws ChainRevert('mined').
   */
  private async send(from: LocalAccount, request: { to?: Address; data: Hex }, action: string): Promise<TransactionReceipt> {
    let gas: bigint;
    try {
      gas = await this.publicClient.estimateGas({ account: from.address, to: request.to, data: request.data });
    } catch (error) {
      throw chainFailure(error, action);
    }
    const fees =
      this.kind === 'in-process'
        ? { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }
        : await this.publicClient.estimateFeesPerGas().catch((error: unknown) => {
            throw chainFailure(error, action);
          });
    const gasLimit = (gas * 12n) / 10n + 10_000n;
    if (fees.maxFeePerGas > 0n && from.address !== this.operator.address) await this.ensureGas(from.address, gasLimit * fees.maxFeePerGas, fees, action);
    const hash = await this.inLane(from.address, async (nonce) => {
      const signed = await from.signTransaction({
        type: 'eip1559',
        chainId: this.chainId,
        nonce,
        to: request.to ?? null,
        data: request.data,
        value: 0n,
        gas: gasLimit,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      return this.publicClient.sendRawTransaction({ serializedTransaction: signed });
    }, action);
    return this.awaitReceipt(hash, from.address, request, action);
  }

  /**
   * Gas top-up on a chain that charges gas: custodial wallets hold no native coin of their own, so
   * before one sends, the operator tops it up to three times what this transaction may cost at
   * most (gas limit × max fee), enough for the next few as well; never more than
   * CHAIN_GAS_TOPUP_MAX_WEI in one go (a fee spike beyond it is refused, not paid). Top-ups of one
   * wallet run one at a time, so two concurrent sends do not both pay. Own wallets pay their own
   * gas; the in-process chain charges none.
   */
  private async ensureGas(wallet: Address, ceiling: bigint, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, action: string): Promise<void> {
    const previous = this.topUps.get(wallet) ?? Promise.resolve();
    const run = previous.then(async () => {
      let balance: bigint;
      try {
        balance = await this.publicClient.getBalance({ address: wallet, blockTag: 'pending' });
      } catch (error) {
        throw chainFailure(error, action);
      }
      if (balance >= ceiling) return;
      const amount = ceiling * 3n - balance;
      if (amount > this.topUpMaxWei) {
        throw tokenizationErrors.CHAIN_GAS_UNFUNDED(
          `Gas on this chain costs more than the top-up limit allows (${amount} wei needed, CHAIN_GAS_TOPUP_MAX_WEI is ${this.topUpMaxWei}); try again when fees fall, or raise the limit.`,
        );
      }
      const hash = await this.inLane(this.operator.address, async (nonce) => {
        const signed = await this.operator.signTransaction({ type: 'eip1559', chainId: this.chainId, nonce, to: wallet, value: amount, gas: 21_000n, ...fees });
        return this.publicClient.sendRawTransaction({ serializedTransaction: signed });
      }, `top up gas of ${wallet}`);
      await this.awaitReceipt(hash, undefined, undefined, `top up gas of ${wallet}`);
      this.logger.info({ wallet, amountWei: amount.toString(), transaction: hash }, 'custodial wallet topped up with gas');
    });
    this.topUps.set(wallet, run.catch(() => undefined));
    await run;
  }

  /** Broadcasts a transaction the user signed with their own wallet and waits for it. */
  async sendSigned(signed: Hex, action: string): Promise<TransactionReceipt> {
    let hash: Hex;
    try {
      hash = await this.publicClient.sendRawTransaction({ serializedTransaction: signed });
    } catch (error) {
      throw chainFailure(error, action);
    }
    return this.awaitReceipt(hash, undefined, undefined, action);
  }

  private async awaitReceipt(hash: Hex, from: Address | undefined, request: { to?: Address; data: Hex } | undefined, action: string): Promise<TransactionReceipt> {
    let receipt: TransactionReceipt;
    try {
      receipt = await this.publicClient.waitForTransactionReceipt({ hash, timeout: 180_000 });
    } catch (error) {
      throw chainFailure(error, `${action} (waiting for transaction ${hash})`);
    }
    if (receipt.status !== 'success') {
      let revert: DecodedRevert = { errorName: 'execution reverted', args: [] };
      if (from && request?.to) {
        try {
          await this.publicClient.call({ account: from, to: request.to, data: request.data, blockNumber: receipt.blockNumber - 1n });
        } catch (error) {
          revert = decodeRevert(error) ?? revert;
        }
      }
      throw new ChainRevert(revert, 'mined', hash);
    }
    return receipt;
  }

  private async inLane<T>(address: Address, work: (nonce: number) => Promise<T>, action: string): Promise<T> {
    let lane = this.lanes.get(address);
    if (!lane) {
      lane = { next: null, queue: Promise.resolve() };
      this.lanes.set(address, lane);
    }
    const current = lane;
    const run = current.queue.then(async () => {
      for (let attempt = 0; ; attempt += 1) {
        if (current.next === null) {
          try {
            current.next = await this.publicClient.getTransactionCount({ address, blockTag: 'pending' });
          } catch (error) {
            throw chainFailure(error, action);
          }
        }
        const nonce = current.next;
        try {
          const result = await work(nonce);
          current.next = nonce + 1;
          return result;
        } catch (error) {
          // Whatever happened, the next send asks the node again instead of trusting our count.
          current.next = null;
          if (attempt === 0 && isNonceProblem(error) && !isUnreachable(error)) {
            this.logger.warn({ address, nonce }, 'nonce out of step with the chain; resynchronised and retrying once');
            continue;
          }
          throw chainFailure(error, action);
        }
      }
    });
    current.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The steps of one action as transactions for `from`'s own wallet, in order: consecutive nonces
   * from the account's pending count, the current fees, and the gas each needs (estimated; a step
   * whose estimate depends on the ones before it gets `dependentStepGasLimit`).
   */
  async unsigned(from: Address, steps: { call: ContractCall; description: string }[]): Promise<UnsignedTransaction[]> {
    const action = 'prepare the transactions for your wallet';
    let nonce: number;
    let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    try {
      nonce = await this.publicClient.getTransactionCount({ address: from, blockTag: 'pending' });
      fees = this.kind === 'in-process' ? { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n } : await this.publicClient.estimateFeesPerGas();
    } catch (error) {
      throw chainFailure(error, action);
    }
    const prepared: UnsignedTransaction[] = [];
    for (const [index, step] of steps.entries()) {
      const data = this.encode(step.call);
      let gas = dependentStepGasLimit;
      try {
        const estimate = await this.publicClient.estimateGas({ account: from, to: step.call.address, data });
        gas = (estimate * 12n) / 10n + 10_000n;
      } catch (error) {
        // The first step has nothing ahead of it: its failure is the action's (already pre-checked).
        if (index === 0) throw chainFailure(error, action);
      }
      prepared.push({
        from,
        to: step.call.address,
        data,
        value: '0',
        chainId: this.chainId,
        type: 'eip1559',
        nonce: nonce + index,
        gas: gas.toString(),
        maxFeePerGas: fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
        description: step.description,
      });
    }
    return prepared;
  }

  async blockTimestamp(): Promise<bigint> {
    try {
      return (await this.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
    } catch (error) {
      throw chainFailure(error, 'read the latest block');
    }
  }
}
