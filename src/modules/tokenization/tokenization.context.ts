import { getAddress, type Address, type Hex, type LocalAccount } from 'viem';
import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import type { Database } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Secrets } from '../../platform/secrets';
import { AppError } from '../../platform/errors';
import { tokenizationErrors } from './tokenization.errors';
import { ChainService } from './chain/chain.service';
import { ChainIndexer } from './chain/indexer';
import { IndexerRepository } from './chain/indexer.repository';
import type { PlatformContractsRow, TokenizationRepository } from './tokenization.repository';

export const SHARE_UNIT = 10n ** 18n;

export interface PlatformContracts {
  registry: Address;
  deed: Address;
  stablecoin: Address;
  stablecoinSymbol: string;
  stablecoinDecimals: number;
  /** True when the stablecoin is Domus's own MockStablecoin ("sandbox dollars"), mintable for testing. */
  sandbox: boolean;
}

export interface ChainContext {
  chain: ChainService;
  indexer: ChainIndexer;
  contracts: PlatformContracts;
  operator: LocalAccount;
}

const toContracts = (row: PlatformContractsRow): PlatformContracts => ({
  registry: getAddress(row.registry_address),
  deed: getAddress(row.deed_address),
  stablecoin: getAddress(row.stablecoin_address),
  stablecoinSymbol: row.stablecoin_symbol,
  stablecoinDecimals: row.stablecoin_decimals,
  sandbox: row.stablecoin_sandbox,
});

/**
 * Opens the chain on first use (the in-process EVM costs about a second to start and replays its
 * log; tests of other modules never pay for it), deploys the platform-wide contracts once per
 * chain (identity registry, deed registry, and the sandbox stablecoin when no
 * CHAIN_STABLECOIN_ADDRESS is configured), and starts the indexer.
 */
export class ChainBootstrap {
  private opening: Promise<ChainContext> | null = null;
  private opened: ChainContext | null = null;
  private closed = false;

  constructor(
    private readonly deps: {
      config: Config;
      secrets: Secrets;
      clock: Clock;
      logger: Logger;
      database: Database;
      repository: TokenizationRepository;
      /** Run the indexer's poll loop (off in tests, which call catchUp themselves). */
      poll: boolean;
      onOpen?: (context: ChainContext) => void;
    },
  ) {}

  get(): Promise<ChainContext> {
    if (this.closed) return Promise.reject(new Error('tokenization is shut down'));
    if (!this.opening) {
      this.opening = this.open().then(
        (context) => {
          this.opened = context;
          return context;
        },
        (error: unknown) => {
          this.opening = null;
          this.deps.logger.error({ err: error }, 'tokenization: opening the chain failed');
          if (error instanceof AppError) throw error;
          throw tokenizationErrors.CHAIN_UNAVAILABLE(`The blockchain is not available: ${String((error as Error).message ?? error).split('\n')[0]}. Nothing was recorded; try again shortly.`);
        },
      );
    }
    return this.opening;
  }

  current(): ChainContext | null {
    return this.opened;
  }

  private async open(): Promise<ChainContext> {
    const { config, logger } = this.deps;
    const chain = await ChainService.open({ config, secrets: this.deps.secrets, clock: this.deps.clock, logger });
    const confirmations = config.CHAIN_CONFIRMATIONS ?? (chain.kind === 'in-process' ? 0 : 3);
    const indexer = new ChainIndexer(chain, new IndexerRepository(this.deps.database), this.deps.clock, logger, {
      confirmations,
      pollIntervalMs: config.CHAIN_POLL_INTERVAL_MS,
    });
    let row = await this.deps.repository.platformContracts(chain.chainId);
    if (!row) {
      row = await this.deployPlatform(chain, indexer);
    } else {
      // The database and the chain must describe the same world: a lost DATA_DIR/chain (or another
      // node's database) would otherwise answer with contracts that do not exist.
      const code = await chain.publicClient.getCode({ address: getAddress(row.registry_address) });
      if (!code || code === '0x') {
        throw new Error(
          `the database knows platform contracts on chain ${chain.chainId} (registry ${row.registry_address}) that this chain does not have` +
            (chain.kind === 'in-process' ? `; was ${this.deps.config.DATA_DIR}/chain/blocks.jsonl lost or replaced?` : '; is CHAIN_RPC_URL the right network?'),
        );
      }
    }
    const context: ChainContext = { chain, indexer, contracts: toContracts(row), operator: chain.operator };
    if (this.deps.poll) indexer.start();
    this.deps.onOpen?.(context);
    return context;
  }

  private async deployPlatform(chain: ChainService, indexer: ChainIndexer): Promise<PlatformContractsRow> {
    const operator = chain.operator.address;
    const registry = await chain.deploy('IdentityRegistry', [operator]);
    const deed = await chain.deploy('PropertyDeed', ['Domus Property Deed', 'DEED', registry.address, operator]);
    let stablecoin: Address;
    let sandbox = false;
    if (this.deps.config.CHAIN_STABLECOIN_ADDRESS) {
      stablecoin = getAddress(this.deps.config.CHAIN_STABLECOIN_ADDRESS as Hex);
    } else {
      stablecoin = (await chain.deploy('MockStablecoin', [])).address;
      sandbox = true;
    }
    const symbol = await chain.read<string>({ address: stablecoin, contract: 'MockStablecoin', functionName: 'symbol' });
    const decimals = Number(await chain.read<number>({ address: stablecoin, contract: 'MockStablecoin', functionName: 'decimals' }));
    if (decimals < 2) throw new Error(`the stablecoin at ${stablecoin} has ${decimals} decimals; Domus needs at least 2 (cents)`);
    const row: PlatformContractsRow = {
      chain_id: chain.chainId,
      registry_address: registry.address,
      deed_address: deed.address,
      stablecoin_address: stablecoin,
      stablecoin_symbol: symbol,
      stablecoin_decimals: decimals,
      stablecoin_sandbox: sandbox,
      deployed_block: Number(registry.receipt.blockNumber),
      created_at: this.deps.clock.now(),
    };
    await this.deps.repository.savePlatformContracts(row);
    const saved = (await this.deps.repository.platformContracts(chain.chainId))!;
    await indexer.watch({ address: saved.registry_address, kind: 'registry', deployedBlock: BigInt(saved.deployed_block) });
    await indexer.watch({ address: saved.deed_address, kind: 'deed', deployedBlock: BigInt(saved.deployed_block) });
    this.deps.logger.info({ chainId: chain.chainId, registry: saved.registry_address, sandboxStablecoin: sandbox }, 'tokenization platform contracts deployed');
    return saved;
  }

  async close(): Promise<void> {
    this.closed = true;
    const context = this.opened ?? (this.opening ? await this.opening.catch(() => null) : null);
    if (context) await context.indexer.stop();
  }
}
