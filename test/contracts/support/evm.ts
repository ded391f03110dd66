/**
 * An in-process EVM for contract tests and the gas benchmark: Hardhat 3's EDR (Rust) behind an
 * EIP-1193 provider, driven through viem. Accounts are EDR's unlocked development accounts.
 *
 * Each test file builds its fixture once, takes a snapshot, and rewinds to it before every test
 * (`evm_revert`), which keeps the suite fast on two shared cores.
 */
import { createHardhatRuntimeEnvironment } from 'hardhat/hre';
import {
  createPublicClient,
  createWalletClient,
  custom,
  decodeEventLog,
  getAddress,
  type Abi,
  type AbiItem,
  type Address,
  type EIP1193Provider,
  type Hex,
  type Log,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';
import { loadArtifacts, type Artifact } from '../../../contracts/toolchain';
import type { ContractName } from '../../../src/modules/tokenization/chain/artifacts';
import { decodeRevert } from '../../../src/modules/tokenization/chain/chain.service';

export type { ContractName };

export interface Deployed {
  name: string;
  address: Address;
  abi: Abi;
  deployReceipt: TransactionReceipt;
}

export interface DecodedEvent {
  eventName: string;
  args: Record<string, unknown>;
  address: Address;
}

export interface Evm {
  accounts: Address[];
  publicClient: PublicClient;
  walletClient: WalletClient;
  provider: EIP1193Provider;
  artifacts: Record<string, Artifact>;
  deploy(name: ContractName | Artifact, args?: readonly unknown[], from?: Address): Promise<Deployed>;
  write(contract: Deployed, functionName: string, args?: readonly unknown[], from?: Address): Promise<TransactionReceipt>;
  read<T = unknown>(contract: Deployed, functionName: string, args?: readonly unknown[], from?: Address): Promise<T>;
  /** Sends a transaction with a fixed gas limit so that a reverting call is mined (for its gas). */
  writeUnchecked(
    contract: Deployed,
    functionName: string,
    args: readonly unknown[],
    from: Address,
    gas: bigint,
  ): Promise<TransactionReceipt>;
  events(receipt: TransactionReceipt, contract?: Deployed): DecodedEvent[];
  snapshot(): Promise<Hex>;
  revertTo(id: Hex): Promise<void>;
  now(): Promise<bigint>;
  /** Mines the next block at `timestamp` (seconds). */
  setTime(timestamp: bigint): Promise<void>;
  /** The next transaction's block will carry `timestamp` (seconds); nothing is mined now. */
  setNextBlockTimestamp(timestamp: bigint): Promise<void>;
  increaseTime(seconds: bigint): Promise<void>;
}

/** Every custom error of every artefact, so a revert bubbling up from another contract still decodes. */
function allErrors(artifacts: Record<string, Artifact>): AbiItem[] {
  const seen = new Map<string, AbiItem>();
  for (const artifact of Object.values(artifacts)) {
    for (const item of artifact.abi) {
      if (item.type !== 'error') continue;
      const inputs = (item.inputs as { type: string }[] | undefined) ?? [];
      const key = `${String(item.name)}(${inputs.map((input) => input.type).join(',')})`;
      if (!seen.has(key)) seen.set(key, item as unknown as AbiItem);
    }
  }
  return [...seen.values()];
}

export async function createEvm(extraArtifacts: Record<string, Artifact> = {}): Promise<Evm> {
  const artifacts = { ...loadArtifacts(), ...extraArtifacts };
  const errorAbi = allErrors(artifacts);
  const hre = await createHardhatRuntimeEnvironment({
    networks: {
      default: {
        type: 'edr-simulated',
        chainType: 'l1',
        hardfork: 'cancun',
        accounts: { count: 24 },
        throwOnTransactionFailures: false,
      },
    },
  });
  const connection = await hre.network.connect();
  const provider = connection.provider as unknown as EIP1193Provider;
  // No retries: a revert is an answer, and viem would otherwise retry it three times with back-off.
  const transport = custom(provider, { retryCount: 0 });
  const publicClient = createPublicClient({ transport, pollingInterval: 10 });
  const walletClient = createWalletClient({ transport });
  const accounts = ((await provider.request({ method: 'eth_accounts' })) as Address[]).map((a) => getAddress(a));
  const withErrors = (abi: Abi): Abi => [...abi, ...errorAbi] as Abi;

  const receiptOf = async (hash: Hex): Promise<TransactionReceipt> =>
    publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 });

  const evm: Evm = {
    accounts,
    publicClient,
    walletClient,
    provider,
    artifacts,
    async deploy(name, args = [], from = accounts[0] as Address) {
      const artifact = typeof name === 'string' ? artifacts[name] : name;
      if (!artifact) throw new Error(`no artefact ${String(name)}`);
      const abi = artifact.abi as unknown as Abi;
      const hash = await walletClient.deployContract({
        abi: withErrors(abi),
        bytecode: artifact.bytecode,
        args: args as unknown[],
        account: from,
        chain: null,
      });
      const receipt = await receiptOf(hash);
      if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deploying ${artifact.contractName} failed`);
      return { name: artifact.contractName, address: getAddress(receipt.contractAddress), abi, deployReceipt: receipt };
    },
    async write(contract, functionName, args = [], from = accounts[0] as Address) {
      const hash = await walletClient.writeContract({
        address: contract.address,
        abi: withErrors(contract.abi),
        functionName,
        args: args as unknown[],
        account: from,
        chain: null,
      });
      const receipt = await receiptOf(hash);
      if (receipt.status !== 'success') throw new Error(`${contract.name}.${functionName} reverted after estimation`);
      return receipt;
    },
    async writeUnchecked(contract, functionName, args, from, gas) {
      const hash = await walletClient.writeContract({
        address: contract.address,
        abi: withErrors(contract.abi),
        functionName,
        args: args as unknown[],
        account: from,
        chain: null,
        gas,
      });
      return receiptOf(hash);
    },
    async read<T>(contract: Deployed, functionName: string, args: readonly unknown[] = [], from?: Address) {
      return (await publicClient.readContract({
        address: contract.address,
        abi: withErrors(contract.abi),
        functionName,
        args: args as unknown[],
        ...(from ? { account: from } : {}),
      })) as T;
    },
    events(receipt, contract) {
      const decoded: DecodedEvent[] = [];
      for (const log of receipt.logs as Log[]) {
        if (contract && getAddress(log.address) !== contract.address) continue;
        for (const artifact of contract ? [{ abi: contract.abi }] : Object.values(artifacts)) {
          try {
            const event = decodeEventLog({ abi: artifact.abi as Abi, data: log.data, topics: log.topics }) as unknown as {
              eventName: string;
              args: Record<string, unknown>;
            };
            decoded.push({ eventName: event.eventName, args: event.args, address: getAddress(log.address) });
            break;
          } catch {
            // not this artefact's event
          }
        }
      }
      return decoded;
    },
    async snapshot() {
      return (await provider.request({ method: 'evm_snapshot' as never })) as Hex;
    },
    async revertTo(id) {
      const ok = await provider.request({ method: 'evm_revert' as never, params: [id] as never });
      if (ok !== true) throw new Error(`evm_revert(${id}) failed`);
    },
    async now() {
      return (await publicClient.getBlock({ blockTag: 'latest' })).timestamp;
    },
    async setTime(timestamp) {
      await provider.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${timestamp.toString(16)}`] as never });
      await provider.request({ method: 'evm_mine' as never });
    },
    async setNextBlockTimestamp(timestamp) {
      await provider.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${timestamp.toString(16)}`] as never });
    },
    async increaseTime(seconds) {
      await provider.request({ method: 'evm_increaseTime' as never, params: [`0x${seconds.toString(16)}`] as never });
      await provider.request({ method: 'evm_mine' as never });
    },
  };
  return evm;
}

export interface RevertInfo {
  errorName: string;
  args: readonly unknown[];
}

/** The custom error a failed call reverted with (decoded against every artefact's errors). */
export async function revertOf(action: Promise<unknown>): Promise<RevertInfo> {
  try {
    await action;
  } catch (error) {
    // The platform's decoder (chain.service.ts): the custom error from viem's cause chain, also for
    // deployments and low-level failures that carry only the raw revert data.
    const decoded = decodeRevert(error);
    if (decoded) return decoded;
    throw error;
  }
  throw new Error('expected the call to revert, it succeeded');
}

/** Asserts that `action` reverts with the custom error `errorName` (and, when given, these leading arguments). */
export async function expectRevert(action: Promise<unknown>, errorName: string, args?: readonly unknown[]): Promise<RevertInfo> {
  const revert = await revertOf(action);
  if (revert.errorName !== errorName) {
    throw new Error(`expected revert ${errorName}, got ${revert.errorName}(${revert.args.map(String).join(', ')})`);
  }
  if (args) {
    const actual = revert.args.slice(0, args.length).map((value) => (typeof value === 'string' ? value.toLowerCase() : value));
    const expected = args.map((value) => (typeof value === 'string' ? value.toLowerCase() : value));
    if (JSON.stringify(actual, bigintJson) !== JSON.stringify(expected, bigintJson)) {
      throw new Error(
        `${errorName}: expected arguments ${JSON.stringify(expected, bigintJson)}, got ${JSON.stringify(actual, bigintJson)}`,
      );
    }
  }
  return revert;
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
