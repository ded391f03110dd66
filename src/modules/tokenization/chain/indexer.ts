import { decodeEventLog, getAddress, type Abi, type Address, type Hex, type Log } from 'viem';
import type { Clock } from '../../../platform/clock';
import type { Logger } from '../../../platform/logger';
import { abiOf, type ContractName } from './artifacts';
import { chainFailure, type ChainService } from './chain.service';
import type { BlockHeader, IndexedEvent, IndexerRepository, WatchedContract } from './indexer.repository';

const contractOfKind: Record<string, ContractName> = {
  registry: 'IdentityRegistry',
  deed: 'PropertyDeed',
  shares: 'PropertyShares',
  distributor: 'RentDistributor',
  offering: 'ShareOffering',
  market: 'ShareMarket',
};

export interface IndexerOptions {
  confirmations: number;
  pollIntervalMs: number;
  /** Blocks per eth_getLogs request. */
  batchSize?: number;
  /** Block hashes kept behind the cursor, the deepest re-organisation handled without a full re-index. */
  keepBlocks?: number;
}

export interface IndexRound {
  from: bigint;
  to: bigint;
  events: number;
  reorg: { forkPoint: bigint; removedEvents: number } | null;
}

export class ChainChangedDuringRead extends Error {}

/**
 * Follows the contracts' events into Postgres (docs/tokenization.md, "Indexer"). Each round reads
 * up to `head - confirmations` from the cursor, in one transaction per batch. Before moving on it
 * checks that the next block's parent hash is the hash it stored for the cursor; a mismatch is a
 * re-organisation: it walks back over its stored block hashes to the newest block the chain still
 * has (the fork point), deletes everything indexed above it, rebuilds the derived tables and
 * re-indexes from there.
 */
export class ChainIndexer {
  private running: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly batchSize: bigint;
  private readonly keepBlocks: bigint;

  constructor(
    private readonly chain: ChainService,
    private readonly repository: IndexerRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly options: IndexerOptions,
  ) {
    this.batchSize = BigInt(options.batchSize ?? 2_000);
    this.keepBlocks = BigInt(options.keepBlocks ?? 512);
  }

  /** Rounds are serialised: the poller, a request waiting for its events and a backfill never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.running.then(work, work);
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Indexes until the cursor reaches `head - confirmations`; returns the rounds it ran. */
  catchUp(): Promise<IndexRound[]> {
    return this.exclusive(async () => {
      const rounds: (IndexRound & { target: bigint })[] = [];
      for (let attempt = 0; attempt < 1_000; attempt += 1) {
        const round = await this.round();
        if (!round) break;
        rounds.push(round);
        if (round.reorg === null && round.to >= round.target) break;
      }
      return rounds;
    }).then((rounds) => rounds.map(({ target: _target, ...round }) => round));
  }

  /** Registers a contract to follow; if the cursor already passed its deployment, its past events are read now. */
  async watch(contract: WatchedContract): Promise<void> {
    await this.exclusive(async () => {
      await this.repository.transaction((trx) => this.repository.addContract(trx, this.chain.chainId, contract));
      const cursor = await this.repository.cursor(this.chain.chainId);
      if (cursor && cursor.number >= contract.deployedBlock) {
        await this.ingest([contract], contract.deployedBlock, cursor.number, null);
      }
    });
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.catchUp();
      } catch (error) {
        this.logger.warn({ err: error }, 'chain indexer round failed; retrying at the next poll');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.pollIntervalMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async cursor(): Promise<{ number: bigint; hash: string } | null> {
    return this.repository.cursor(this.chain.chainId);
  }

  private async header(number: bigint): Promise<BlockHeader> {
    const block = await this.chain.publicClient.getBlock({ blockNumber: number });
    return { number, hash: block.hash as string, parentHash: block.parentHash, timestamp: new Date(Number(block.timestamp) * 1000) };
  }

  private async round(): Promise<(IndexRound & { target: bigint }) | null> {
    const chainId = this.chain.chainId;
    try {
      const contracts = await this.repository.contracts(chainId);
      if (contracts.length === 0) return null;
      const head = await this.chain.publicClient.getBlockNumber({ cacheTime: 0 });
      const target = head - BigInt(this.options.confirmations);
      let cursor = await this.repository.cursor(chainId);
      if (!cursor) {
        const start = contracts.reduce((min, contract) => (contract.deployedBlock < min ? contract.deployedBlock : min), contracts[0]!.deployedBlock) - 1n;
        const header = await this.header(start < 0n ? 0n : start);
        await this.repository.transaction(async (trx) => {
          await this.repository.setCursor(trx, chainId, header.number, header.hash, this.clock.now());
          await this.repository.saveBlocks(trx, chainId, [header], 0n);
        });
        cursor = { number: header.number, hash: header.hash };
      }
      // The chain is shorter than what we indexed (blocks dropped): a re-organisation.
      if (cursor.number > head) {
        const reorg = await this.rollBack(cursor.number);
        return { from: reorg.forkPoint + 1n, to: reorg.forkPoint, events: 0, reorg, target };
      }
      // The re-organisation check: the block after the cursor must build on the block we indexed.
      const probe = cursor.number + 1n <= head ? await this.header(cursor.number + 1n) : null;
      const onChainCursorHash = probe ? probe.parentHash : (await this.header(cursor.number)).hash;
      if (onChainCursorHash !== cursor.hash) {
        const reorg = await this.rollBack(cursor.number);
        return { from: reorg.forkPoint + 1n, to: reorg.forkPoint, events: 0, reorg, target };
      }
      if (target <= cursor.number) return { from: cursor.number + 1n, to: cursor.number, events: 0, reorg: null, target };
      const to = cursor.number + this.batchSize < target ? cursor.number + this.batchSize : target;
      const events = await this.ingest(contracts, cursor.number + 1n, to, cursor);
      return { from: cursor.number + 1n, to, events, reorg: null, target };
    } catch (error) {
      if (error instanceof ChainChangedDuringRead) {
        this.logger.info({ err: error.message }, 'the chain changed while indexing; the next round re-checks');
        return null;
      }
      throw chainFailure(error, 'index chain events');
    }
  }

  private async rollBack(cursorNumber: bigint): Promise<{ forkPoint: bigint; removedEvents: number }> {
    const chainId = this.chain.chainId;
    let forkPoint: bigint | null = null;
    let forkHash = '';
    for (const stored of await this.repository.storedBlocks(chainId, cursorNumber, Number(this.keepBlocks))) {
      const current = await this.chain.publicClient.getBlock({ blockNumber: stored.number }).catch(() => null);
      if (current && current.hash === stored.hash) {
        forkPoint = stored.number;
        forkHash = stored.hash;
        break;
      }
    }
    if (forkPoint === null) {
      // Deeper than the kept hashes: start over from before the first contract.
      const contracts = await this.repository.contracts(chainId);
      const first = contracts.reduce((min, contract) => (contract.deployedBlock < min ? contract.deployedBlock : min), contracts[0]!.deployedBlock);
      const header = await this.header(first > 0n ? first - 1n : 0n);
      forkPoint = header.number;
      forkHash = header.hash;
    }
    const fork = forkPoint;
    const removedEvents = await this.repository.transaction(async (trx) => {
      const removed = await this.repository.rollback(trx, chainId, fork);
      await this.repository.setCursor(trx, chainId, fork, forkHash, this.clock.now());
      return removed;
    });
    this.logger.warn({ chainId, from: cursorNumber.toString(), forkPoint: fork.toString(), removedEvents }, 'chain re-organisation: rolled back to the fork point');
    return { forkPoint: fork, removedEvents };
  }

  /** Reads the logs of `contracts` in [from, to] and writes them with the block hashes; moves the cursor when `cursor` is given. */
  private async ingest(contracts: WatchedContract[], from: bigint, to: bigint, cursor: { number: bigint; hash: string } | null): Promise<number> {
    const chainId = this.chain.chainId;
    const kinds = new Map(contracts.map((contract) => [getAddress(contract.address), contract.kind]));
    const logs = (await this.chain.publicClient.getLogs({
      address: [...kinds.keys()] as Address[],
      fromBlock: from,
      toBlock: to,
    })) as Log[];
    const numbers = new Set<bigint>(logs.map((log) => log.blockNumber as bigint));
    if (cursor) numbers.add(to);
    const headers = new Map<bigint, BlockHeader>();
    for (const number of [...numbers].sort((a, b) => (a < b ? -1 : 1))) headers.set(number, await this.header(number));
    const events: IndexedEvent[] = [];
    for (const log of logs) {
      const header = headers.get(log.blockNumber as bigint)!;
      if (header.hash !== log.blockHash) throw new ChainChangedDuringRead(`block ${header.number} changed between eth_getLogs and eth_getBlockByNumber`);
      const address = getAddress(log.address);
      const kind = kinds.get(address) ?? 'unknown';
      const contractName = contractOfKind[kind];
      if (!contractName) continue;
      let decoded: { eventName: string; args: Record<string, unknown> };
      try {
        decoded = decodeEventLog({ abi: abiOf(contractName) as Abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] }) as unknown as typeof decoded;
      } catch {
        continue; // an event outside the contract's ABI (cannot happen for our bytecode)
      }
      const args: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(decoded.args ?? {})) {
        args[name] = typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : value;
      }
      events.push({
        blockNumber: log.blockNumber as bigint,
        logIndex: Number(log.logIndex),
        blockHash: log.blockHash as string,
        txHash: log.transactionHash as string,
        contract: address,
        kind,
        event: decoded.eventName,
        args,
        blockTime: header.timestamp,
      });
    }
    await this.repository.transaction(async (trx) => {
      for (const event of events) {
        // A backfill can meet rows the normal path already wrote: project only what is new.
        if (await this.repository.insertEvent(trx, chainId, event)) await this.repository.project(trx, chainId, event);
      }
      if (cursor) {
        const end = headers.get(to)!;
        await this.repository.saveBlocks(trx, chainId, [...headers.values()], to - this.keepBlocks);
        await this.repository.setCursor(trx, chainId, to, end.hash, this.clock.now());
      }
    });
    return events.length;
  }
}
