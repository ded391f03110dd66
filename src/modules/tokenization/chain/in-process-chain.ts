import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, fsyncSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHardhatRuntimeEnvironment } from 'hardhat/hre';
import type { EIP1193Provider, Hex } from 'viem';
import type { Clock } from '../../../platform/clock';
import type { Logger } from '../../../platform/logger';

/**
 * The default chain: Hardhat 3's EDR (an EVM in Rust) inside the Domus process.
 *
 * EDR keeps its state in memory and has no state dump or load. Persistence is therefore a log
 * of what changed the chain: every signed raw transaction, with the timestamp of the block it
 * was mined in, appended (and fsync'ed) to DATA_DIR/chain/blocks.jsonl. On start the chain is
 * rebuilt by replaying the log from a fixed genesis (fixed date, chain id, zero base fee, no
 * pre-funded accounts) with the same timestamps; EDR is deterministic, so replay yields the same
 * blocks, hashes included, and each replayed block's hash is compared with the logged one. If a
 * future EDR changed hashes, the indexer's re-organisation handling (parent-hash check) re-indexes.
 *
 * Block time follows the injected platform clock (one block per transaction, at
 * max(previous + 1, clock)), so tests can move a sale past its deadline by moving the clock.
 * Gas is free (base fee 0): custodial wallets need no native coin on the local chain.
 */
export const inProcessChainId = 31_337;
const genesisDate = new Date('2024-01-01T00:00:00.000Z');

interface LoggedBlock {
  /** Block number the transaction was mined in. */
  n: number;
  /** Block timestamp (seconds). */
  t: number;
  raw: Hex;
  hash: Hex;
}

export interface ChainSnapshot {
  id: Hex;
  logLength: number;
}

export class InProcessChain {
  private entries: LoggedBlock[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private lastTimestamp = Math.floor(genesisDate.getTime() / 1000);
  readonly provider: EIP1193Provider;

  private constructor(
    private readonly inner: EIP1193Provider,
    private readonly logFile: string | null,
    private readonly clock: Clock,
  ) {
    // Every call goes through here; raw transactions are the only writes and get a timestamp and a log line.
    this.provider = {
      request: async (args: { method: string; params?: unknown }) => {
        if (args.method === 'eth_sendRawTransaction') {
          const [raw] = args.params as [Hex];
          return this.serialised(() => this.mine(raw));
        }
        if ((args.method === 'eth_call' || args.method === 'eth_estimateGas') && this.atHead(args.params)) {
          // Checks run in the block the next transaction would be mined in, i.e. at the platform clock.
          return this.serialised(async () => {
            await this.setNextTimestamp(this.nextTimestamp());
            const params = [...((args.params as unknown[] | undefined) ?? [])];
            if (args.method === 'eth_call') params[1] = 'pending';
            return this.inner.request({ method: args.method, params } as never);
          });
        }
        if (args.method === 'eth_sendTransaction') {
          throw Object.assign(new Error('The in-process chain accepts signed transactions only (eth_sendRawTransaction)'), { code: -32601 });
        }
        return this.inner.request(args as never);
      },
      on: () => undefined,
      removeListener: () => undefined,
    } as unknown as EIP1193Provider;
  }

  /** Opens the chain; with `directory`, replays and then extends the log kept there. */
  static async open(options: { directory: string | null; clock: Clock; logger: Logger }): Promise<InProcessChain> {
    const hre = await createHardhatRuntimeEnvironment({
      networks: {
        default: {
          type: 'edr-simulated',
          chainType: 'l1',
          hardfork: 'cancun',
          chainId: inProcessChainId,
          initialDate: genesisDate,
          initialBaseFeePerGas: 0,
          accounts: [],
          throwOnTransactionFailures: false,
          throwOnCallFailures: true,
          allowBlocksWithSameTimestamp: false,
        },
      },
    } as never);
    const connection = await hre.network.connect();
    const inner = connection.provider as unknown as EIP1193Provider;
    let logFile: string | null = null;
    if (options.directory) {
      mkdirSync(options.directory, { recursive: true });
      logFile = path.join(options.directory, 'blocks.jsonl');
    }
    const chain = new InProcessChain(inner, logFile, options.clock);
    if (logFile && existsSync(logFile)) await chain.replay(readFileSync(logFile, 'utf8'), options.logger);
    return chain;
  }

  private async replay(text: string, logger: Logger): Promise<void> {
    const lines = text.split('\n').filter((line) => line.trim().length > 0);
    let mismatches = 0;
    for (const [index, line] of lines.entries()) {
      let entry: LoggedBlock;
      try {
        entry = JSON.parse(line) as LoggedBlock;
      } catch {
        // A torn last line (a crash while appending): that transaction never completed from our side.
        if (index === lines.length - 1) break;
        throw new Error(`chain log line ${index + 1} is not JSON; the chain state cannot be rebuilt`);
      }
      await this.setNextTimestamp(entry.t);
      const hash = (await this.inner.request({ method: 'eth_sendRawTransaction', params: [entry.raw] })) as Hex;
      const receipt = (await this.inner.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { blockHash: Hex; blockNumber: Hex } | null;
      if (!receipt || Number(receipt.blockNumber) !== entry.n) throw new Error(`chain log replay diverged at block ${entry.n}`);
      if (receipt.blockHash !== entry.hash) mismatches += 1;
      this.lastTimestamp = entry.t;
      this.entries.push({ ...entry, hash: receipt.blockHash });
    }
    if (mismatches > 0) logger.warn({ mismatches }, 'in-process chain replay produced different block hashes; the indexer will re-index');
    logger.info({ blocks: this.entries.length }, 'in-process chain restored from its transaction log');
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async setNextTimestamp(seconds: number): Promise<void> {
    await this.inner.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${seconds.toString(16)}`] as never });
  }

  private nextTimestamp(): number {
    return Math.max(this.lastTimestamp + 1, Math.floor(this.clock.now().getTime() / 1000));
  }

  private atHead(params: unknown): boolean {
    const tag = Array.isArray(params) ? params[1] : undefined;
    return tag === undefined || tag === 'latest' || tag === 'pending';
  }

  private async mine(raw: Hex): Promise<Hex> {
    const timestamp = this.nextTimestamp();
    await this.setNextTimestamp(timestamp);
    // A transaction the node refuses (bad nonce, bad signature) throws here and mines nothing.
    const hash = (await this.inner.request({ method: 'eth_sendRawTransaction', params: [raw] })) as Hex;
    const receipt = (await this.inner.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { blockHash: Hex; blockNumber: Hex };
    const entry: LoggedBlock = { n: Number(receipt.blockNumber), t: timestamp, raw, hash: receipt.blockHash };
    this.lastTimestamp = timestamp;
    this.entries.push(entry);
    if (this.logFile) {
      appendFileSync(this.logFile, JSON.stringify(entry) + '\n');
      const descriptor = openSync(this.logFile, 'r');
      try {
        fsyncSync(descriptor);
      } finally {
        closeSync(descriptor);
      }
    }
    return hash;
  }

  get blockCount(): number {
    return this.entries.length;
  }

  /** For tests: an EVM snapshot plus the log position, so a revert also forgets the logged blocks. */
  async snapshot(): Promise<ChainSnapshot> {
    return this.serialised(async () => ({
      id: (await this.inner.request({ method: 'evm_snapshot' as never })) as Hex,
      logLength: this.entries.length,
    }));
  }

  /**
   * Rewinds to a snapshot: the blocks after it disappear, and the next transactions build a
   * different branch at the same heights, which is a re-organisation as the indexer sees it.
   */
  async revert(snapshot: ChainSnapshot): Promise<void> {
    await this.serialised(async () => {
      const ok = await this.inner.request({ method: 'evm_revert' as never, params: [snapshot.id] as never });
      if (ok !== true) throw new Error(`evm_revert(${snapshot.id}) failed`);
      this.entries = this.entries.slice(0, snapshot.logLength);
      this.lastTimestamp = this.entries.at(-1)?.t ?? Math.floor(genesisDate.getTime() / 1000);
      if (this.logFile) writeFileSync(this.logFile, this.entries.map((entry) => JSON.stringify(entry) + '\n').join(''));
    });
  }
}
