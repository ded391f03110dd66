import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { OrganizationAccess } from '../identity';
import { ComplianceAgentService } from './agent.service';
import { CustodialKeys } from './custodial-keys';
import { InvestorsService } from './investors.service';
import { ChainBootstrap } from './tokenization.context';
import { TokenizationRepository } from './tokenization.repository';
import { tokenizationRoutes } from './tokenization.routes';
import { TokenizationService, type TokenizationListings } from './tokenization.service';
import { TradingService } from './trading.service';

export { tokenizationErrors } from './tokenization.errors';
export type { TokenizationListings } from './tokenization.service';
export type { ChainContext } from './tokenization.context';

export interface TokenizationModule extends ModuleRegistration {
  tokenization: TokenizationService;
  trading: TradingService;
  investors: InvestorsService;
  agent: ComplianceAgentService;
  /** The chain, opened on first use (tests call it to reach the chain and the indexer). */
  chain: ChainBootstrap;
}

export interface TokenizationDependencies {
  access: OrganizationAccess;
  listings: TokenizationListings;
}

/**
 * Tokenization (docs/tokenization.md): the chain service, the KYC mirror, the indexer and the
 * platform flows. Outside tests the chain opens at boot in the background (replaying the local
 * chain's log) and the indexer and the KYC-mirror retries poll every CHAIN_POLL_INTERVAL_MS.
 */
export function createTokenizationModule(platform: PlatformServices, deps: TokenizationDependencies): TokenizationModule {
  const { config, logger, clock } = platform;
  const repository = new TokenizationRepository(platform.db);
  const background = config.NODE_ENV !== 'test';
  let retryTimer: NodeJS.Timeout | null = null;
  // Set by stop(): the chain may finish opening (or a retry round may finish) after it, and must
  // then schedule nothing, or a CLI command would never exit.
  let stopped = false;
  const bootstrap: ChainBootstrap = new ChainBootstrap({
    config,
    secrets: platform.secrets,
    clock,
    logger,
    database: platform.db,
    repository,
    poll: background,
    onOpen: () => {
      if (!background || stopped) return;
      const retry = () => {
        if (stopped) return;
        investors.syncIdentities().catch((error: unknown) => logger.warn({ err: error }, 'identity mirror retry round failed'));
        retryTimer = setTimeout(retry, Math.max(config.CHAIN_POLL_INTERVAL_MS, 5_000));
        retryTimer.unref();
      };
      retryTimer = setTimeout(retry, config.CHAIN_POLL_INTERVAL_MS);
      retryTimer.unref();
    },
  });
  const investors = new InvestorsService({ repository, bootstrap, keys: new CustodialKeys(platform.secrets), clock, logger });
  const tokenization = new TokenizationService({
    repository,
    bootstrap,
    investors,
    access: deps.access,
    listings: deps.listings,
    clock,
    logger,
    recordPeriodSeconds: config.CHAIN_RECORD_PERIOD_SECONDS,
  });
  const trading = new TradingService(tokenization);
  const agent = new ComplianceAgentService(tokenization);
  if (background) {
    bootstrap.get().catch((error: unknown) => logger.error({ err: error }, 'tokenization: the chain could not be opened; tokenization requests answer 503 until it can'));
  }
  return {
    name: 'tokenization',
    tokenization,
    trading,
    investors,
    agent,
    chain: bootstrap,
    routes: tokenizationRoutes({ tokenization, trading, investors, agent, audit: platform.audit }),
    stop: async () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await bootstrap.close();
    },
  };
}
