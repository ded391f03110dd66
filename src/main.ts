import { createDomus } from './app';
import { ConfigError, eventBusKind, loadConfig, type Config } from './platform/config';
import { createLogger } from './platform/logger';

/** Boot: load config → open stores → build modules → seed demo data on first run → listen. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix the environment variable(s) above and start again.\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const domus = await createDomus(config, { logger });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown grace period elapsed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await domus.close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await seedOnFirstRun(domus, config, logger);
  await domus.app.listen({ port: config.PORT, host: config.HOST });
  logger.info(
    { url: config.PUBLIC_URL, database: domus.platform.database.kind, bus: eventBusKind(config) },
    `Domus is listening on ${config.PUBLIC_URL}`,
  );
}

async function seedOnFirstRun(
  domus: Awaited<ReturnType<typeof createDomus>>,
  config: Config,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  if (!config.SEED_DEMO_DATA) return;
  const { seedDemoData } = await import('./modules/importer');
  const started = Date.now();
  const result = await seedDemoData(domus, { listings: config.DEMO_LISTINGS });
  if (result.seeded) {
    logger.info({ ...result, seconds: (Date.now() - started) / 1000 }, 'loaded synthetic demo data (first run)');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Domus failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
