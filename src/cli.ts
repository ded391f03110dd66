/**
 * The operator CLI: `npm run domus -- <command>`. It boots like the server (loadConfig, then the
 * same composition root and migrations on the same database) without listening for requests.
 * Output for people goes to stdout, logs and progress to stderr.
 *
 * Exit codes: 0 done, 1 the command failed (the message says why), 2 invalid configuration.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { accountKey, ipKey } from './modules/security';
import { Migrator } from 'kysely';
import { pino } from 'pino';
import { z } from 'zod';
import { createDomus, type Domus } from './app';
import { collectStats, csvPresets, importCsv, seedDemoData, slugForName, type CsvImportSummary } from './modules/importer';
import { roles, type Role } from './modules/identity';
import { evaluateCsv, EvaluationInputError, SalesInputError, type EvaluationResult } from './modules/valuation';
import { readAuditExport, verifyAuditEntries, writeAuditExport } from './platform/audit-verify';
import { ConfigError, loadConfig, type Config } from './platform/config';
import { systemClock } from './platform/clock';
import { loadSecrets } from './platform/secrets';
import { issueServiceToken, maxServiceTokenSeconds } from './platform/service-token';
import { migrateToLatest, openDatabase, SqlFolderMigrationProvider } from './platform/db';

class CommandFailed extends Error {}

const out = (line = '') => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);
const grouped = (value: number) => value.toLocaleString('en-US');

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return parsed;
}

function config(): Config {
  return loadConfig();
}

/** The whole application without a listening socket; logs go to stderr so stdout stays readable. */
async function withDomus<T>(work: (domus: Domus) => Promise<T>): Promise<T> {
  const settings = config();
  const logger = pino({ level: settings.LOG_LEVEL, base: { service: 'domus-cli' } }, pino.destination(2));
  const domus = await createDomus(settings, { logger });
  try {
    return await work(domus);
  } finally {
    await domus.close();
  }
}

function printImportSummary(file: string, summary: CsvImportSummary): void {
  const seconds = summary.milliseconds / 1000;
  out(`Imported ${path.basename(file)} with mapping ${summary.mapping} into "${summary.organizationName}" (${summary.organizationId})`);
  out(`  rows read          ${grouped(summary.rowsRead)}`);
  out(`  imported           ${grouped(summary.imported)}`);
  out(`  skipped (existing) ${grouped(summary.skippedExisting)}`);
  out(`  rejected           ${grouped(summary.rejected)}`);
  out(`  time               ${seconds.toFixed(1)} s (${grouped(Math.round(summary.rowsRead / Math.max(seconds, 0.001)))} rows/s)`);
  if (summary.rejections.length > 0) {
    out('Rejected rows:');
    for (const rejection of summary.rejections.slice(0, 50)) out(`  line ${rejection.line}: ${rejection.reason}`);
    if (summary.rejected > 50) out(`  ... and ${grouped(summary.rejected - 50)} more`);
  }
}

function buildProgram(): Command {
  const program = new Command()
    .name('domus')
    .description('Operator commands for Domus. Configuration comes from the same environment variables as the server (see README).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('import')
    .summary('import listings from a CSV file through a column mapping or a preset')
    .description('Streams a CSV file into listings. Bad rows are rejected with their line number and reason; rows imported before are skipped, so re-running imports nothing new.')
    .argument('<file>', 'the CSV file')
    .addOption(new Option('--preset <name>', 'a built-in mapping').choices(Object.keys(csvPresets)))
    .option('--mapping <file>', 'a JSON column-mapping file (docs/data.md)')
    .option('--organization <id>', 'import into this organization (id or slug)')
    .option('--organization-name <name>', 'import into the organization with this name, creating it if needed')
    .option('--owner-email <email>', 'owner of an organization the import creates (default: the importer account)')
    .option('--batch-size <rows>', 'rows per write', positiveInteger, 500)
    .option('--limit <rows>', 'stop after this many data rows', positiveInteger)
    .action(async (file: string, options: { preset?: string; mapping?: string; organization?: string; organizationName?: string; ownerEmail?: string; batchSize: number; limit?: number }) => {
      if (!options.preset && !options.mapping) throw new CommandFailed('Give --preset NAME or --mapping FILE.');
      const summary = await withDomus((domus) => {
        let lastReport = 0;
        return importCsv(domus, {
          source: file,
          ...(options.preset ? { preset: options.preset } : {}),
          ...(options.mapping ? { mapping: options.mapping } : {}),
          ...(options.organization ? { organizationId: options.organization } : {}),
          ...(options.organizationName ? { organizationName: options.organizationName } : {}),
          ...(options.ownerEmail ? { ownerEmail: options.ownerEmail } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          batchSize: Math.max(1, options.batchSize),
          onProgress: (progress) => {
            if (Date.now() - lastReport < 1000) return;
            lastReport = Date.now();
            note(`  ${grouped(progress.rowsRead)} rows read, ${grouped(progress.imported)} imported, ${grouped(progress.skippedExisting)} skipped, ${grouped(progress.rejected)} rejected`);
          },
        });
      });
      printImportSummary(file, summary);
    });

  program
    .command('seed')
    .summary('load the synthetic demo data set (agencies, agents, listings, photos)')
    .option('--listings <count>', 'number of listings (default: DEMO_LISTINGS)', positiveInteger)
    .option('--seed <number>', 'random seed; the same seed gives the same data', positiveInteger, 42)
    .option('--photos <count>', 'how many of the first listings get 1-3 photos (default: all)', positiveInteger)
    .option('--distinct-photos <count>', 'distinct drawings per property type to reuse (0: every photo unique)', positiveInteger, 48)
    .option('--force-empty-check', 'behave like the first start: seed only if the database has no listings and was never seeded')
    .action(async (options: { listings?: number; seed: number; photos?: number; distinctPhotos: number; forceEmptyCheck?: boolean }) => {
      const result = await withDomus((domus) =>
        seedDemoData(domus, {
          seed: options.seed,
          distinctPhotos: options.distinctPhotos,
          onlyIfEmpty: options.forceEmptyCheck === true,
          ...(options.listings !== undefined ? { listings: options.listings } : {}),
          ...(options.photos !== undefined ? { photos: options.photos } : {}),
          onProgress: (progress) => {
            if (progress.phase === 'listings') note(`  ${grouped(progress.done)} / ${grouped(progress.total)} listings`);
          },
        }),
      );
      if (!result.seeded) {
        out(`Nothing seeded: ${result.reason === 'database-has-listings' ? 'the database already has listings' : result.reason === 'seeding-elsewhere' ? 'another node is seeding right now' : 'the demo data was seeded before'}.`);
        return;
      }
      out(`Seeded demo data in ${(result.milliseconds / 1000).toFixed(1)} s:`);
      out(`  users created          ${grouped(result.users)}`);
      out(`  organizations created  ${grouped(result.organizations)}`);
      out(`  listings created       ${grouped(result.listingsCreated)} (${grouped(result.listingsSkipped)} existed already)`);
      out(`  photos                 ${grouped(result.photos)} (${grouped(result.distinctPhotoRenders)} distinct drawings)`);
      out('Log in as demo@domus.example.com with the password in docs/data.md.');
    });

  program
    .command('migrate')
    .summary('apply pending database migrations and list them all')
    .action(async () => {
      const settings = config();
      const database = await openDatabase({ url: settings.DATABASE_URL, pgliteDataDir: path.join(settings.DATA_DIR, 'pglite'), poolSize: 2 });
      try {
        const applied = await migrateToLatest(database.db);
        const migrations = await new Migrator({ db: database.db, provider: new SqlFolderMigrationProvider() }).getMigrations();
        out(`Database: ${database.kind === 'postgres' ? 'PostgreSQL' : `PGlite in ${path.join(settings.DATA_DIR, 'pglite')}`}`);
        out(applied.length > 0 ? `Applied ${applied.length} migration(s) now.` : 'Nothing to apply: the database is up to date.');
        for (const migration of migrations) {
          out(`  ${migration.executedAt ? migration.executedAt.toISOString() : 'pending'.padEnd(24)}  ${migration.name}${applied.includes(migration.name) ? '  (applied now)' : ''}`);
        }
      } finally {
        await database.close();
      }
    });

  program
    .command('stats')
    .summary('count users, organizations and listings by status')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const stats = await withDomus((domus) => collectStats(domus));
      if (options.json) {
        out(JSON.stringify(stats, null, 2));
        return;
      }
      out(`users          ${grouped(stats.users)}`);
      out(`organizations  ${grouped(stats.organizations)}`);
      out(`listings       ${grouped(stats.listings.total)}`);
      for (const [status, count] of Object.entries(stats.listings.byStatus)) out(`  ${status.padEnd(12)} ${grouped(count)}`);
      out(`demo data      ${stats.demoSeed ? stats.demoSeed.status : 'never seeded'}`);
    });

  program
    .command('create-user')
    .summary('create a user who can log in, optionally with an organization')
    .requiredOption('--email <email>', 'log-in e-mail address')
    .requiredOption('--password <password>', 'at least 10 characters')
    .requiredOption('--name <name>', 'display name')
    .option('--organization-name <name>', 'create this organization with the user as owner, or join it if it exists')
    .addOption(new Option('--role <role>', 'role when joining an existing organization').choices(roles).default('agent'))
    .action(async (options: { email: string; password: string; name: string; organizationName?: string; role: Role }) => {
      const input = z
        .object({ email: z.email('is not a valid e-mail address').transform((value) => value.trim().toLowerCase()), password: z.string().min(10, 'must be at least 10 characters'), name: z.string().trim().min(1, 'must not be empty') })
        .safeParse(options);
      if (!input.success) throw new CommandFailed(input.error.issues.map((issue) => `--${String(issue.path[0])} ${issue.message}`).join('\n'));
      await withDomus(async (domus) => {
        const identity = domus.modules.identity.service;
        if (await identity.findUserByEmail(input.data.email)) throw new CommandFailed(`A user with the e-mail ${input.data.email} exists already.`);
        const user = await identity.signUp({ email: input.data.email, password: input.data.password, displayName: input.data.name });
        out(`Created user ${user.email} (${user.id}).`);
        if (!options.organizationName) return;
        const slug = slugForName(options.organizationName);
        const existing = await identity.findOrganization(slug);
        if (existing) {
          await identity.addMemberDirect(existing.id, user.id, options.role);
          out(`Added to "${existing.name}" (${existing.id}) as ${options.role}.`);
        } else {
          const organization = await identity.createOrganization(user.id, options.organizationName, slug);
          out(`Created organization "${organization.name}" (${organization.id}) owned by ${user.email}.`);
        }
      });
    });

  const valuation = program.command('valuation').summary('valuation models: evaluate on a sales CSV, train, list, activate');
  valuation
    .command('evaluate')
    .summary('train and test a valuation model on any sales CSV (column types inferred) and print its error figures')
    .description('Infers every column type, builds features (dates, neighbourhood price levels from coordinates), trains the GBDT on log prices on the training split and reports on the test split, with an 80% split-conformal range. See docs/valuation.md.')
    .requiredOption('--csv <file>', 'the sales CSV (header line first)')
    .requiredOption('--target <column>', 'the price column')
    .option('--date <column>', 'the sale-date column (needed by --split time)')
    .addOption(new Option('--split <kind>', 'how to split train and test').choices(['random', 'time', 'kfold']).default('random'))
    .option('--seed <number>', 'seed of the split and the model', positiveInteger, 42)
    .option('--json', 'end with one line of JSON holding the figures')
    .action((options: { csv: string; target: string; date?: string; split: 'random' | 'time' | 'kfold'; seed: number; json?: boolean }) => {
      let result: EvaluationResult;
      try {
        result = evaluateCsv({ csv: options.csv, target: options.target, split: options.split, seed: options.seed, ...(options.date !== undefined ? { date: options.date } : {}) });
      } catch (error) {
        if (error instanceof EvaluationInputError) throw new CommandFailed(error.message);
        throw error;
      }
      printEvaluation(options.csv, result);
      if (options.json) out(JSON.stringify(result.metrics));
    });
  valuation
    .command('train')
    .summary('train an AVM into the model registry, from a sales CSV or from the sold listings')
    .description('Trains the AVM (GBDT + adjusted comparables, 80% conformal range) on all but the latest 10% of the sales, measures it on those, stores it in the file store and records it in the registry (docs/valuation.md).')
    .option('--csv <file>', 'a sales CSV with coordinates (columns inferred)')
    .option('--target <column>', 'the price column of the CSV', 'price')
    .option('--date <column>', 'the sale-date column of the CSV', 'date')
    .option('--currency <code>', 'the currency of the CSV prices', 'USD')
    .option('--from-listings', "train on the platform's own sold listings instead")
    .option('--outlook-index <file>', "a quarterly, not seasonally adjusted price index of the sales' market (CSV/TSV: year, quarter, index; or FHFA's state file), for the market outlook (with --csv)")
    .option('--outlook-region <code>', 'the region rows of the index file to use, e.g. WA')
    .option('--activate', 'make it the active model when training succeeds')
    .action(async (options: { csv?: string; target: string; date: string; currency: string; fromListings?: boolean; outlookIndex?: string; outlookRegion?: string; activate?: boolean }) => {
      if (Boolean(options.csv) === Boolean(options.fromListings)) throw new CommandFailed('Give either --csv FILE or --from-listings.');
      if (options.outlookIndex && !options.csv) throw new CommandFailed('--outlook-index goes with --csv.');
      if (options.outlookIndex && !existsSync(options.outlookIndex)) throw new CommandFailed(`--outlook-index: no file ${options.outlookIndex}.`);
      const model = await withDomus(async (domus) => {
        const service = domus.modules.valuation.service;
        try {
          if (options.fromListings) return await service.trainFromListings({ activate: Boolean(options.activate) });
          const outlookIndex = options.outlookIndex ? { file: options.outlookIndex, ...(options.outlookRegion ? { region: options.outlookRegion } : {}) } : undefined;
          const trained = await service.trainFromCsv(options.csv!, { target: options.target, date: options.date, currency: options.currency.toUpperCase(), activate: Boolean(options.activate), ...(outlookIndex ? { outlookIndex } : {}) });
          if (trained.skippedRows > 0) note(`Skipped ${grouped(trained.skippedRows)} rows, e.g. ${trained.skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ')}`);
          return trained.model;
        } catch (error) {
          if (error instanceof SalesInputError || (error as { status?: number }).status === 422) throw new CommandFailed((error as Error).message);
          throw error;
        }
      });
      const m = model.metrics as Record<string, number> | null;
      out(`Model version ${model.version} (${model.id}) ${model.status}${model.active ? ', active' : ''}: ${model.source_detail}`);
      if (m) out(`  held-out latest ${m.n_test} sales: MdAPE ${(m.mdape! * 100).toFixed(2)}%, MAPE ${(m.mape! * 100).toFixed(2)}%, within 10% ${(m.within10! * 100).toFixed(1)}%, 80% range coverage ${(m.coverage80! * 100).toFixed(1)}%; trained in ${m.train_seconds!.toFixed(1)} s`);
      out(`  fingerprint ${model.fingerprint}`);
    });
  valuation
    .command('models')
    .summary('list the model registry, newest first')
    .action(async () => {
      const models = await withDomus((domus) => domus.modules.valuation.service.allModels());
      if (models.length === 0) out('No models yet: domus valuation train --from-listings | --csv FILE');
      for (const m of models) out(`${String(m.version).padStart(4)} ${m.active ? '*' : ' '} ${m.status.padEnd(8)} ${m.source.padEnd(8)} ${(m.trainedAt ?? m.createdAt).slice(0, 19)}  MdAPE ${m.metrics ? `${((m.metrics.mdape as number) * 100).toFixed(2)}%` : '—'}  ${m.sourceDetail}`);
    });
  valuation
    .command('activate')
    .summary('make a model version the active one on every node')
    .argument('<version>', 'the version number (or id) of a ready model')
    .action(async (version: string) => {
      const model = await withDomus((domus) => domus.modules.valuation.service.activateVersion(version)).catch((error: Error & { status?: number }) => {
        if (error.status === 404 || error.status === 409) throw new CommandFailed(error.message);
        throw error;
      });
      out(`Model version ${model.version} is active.`);
    });

  program
    .command('service-token')
    .summary('issue a signed, short-lived service token (Authorization: Bearer dst_...) for another service')
    .requiredOption('--name <name>', 'the calling service, e.g. chain-indexer')
    .option('--scope <scope...>', 'scopes the token carries (routes name the one they need)', [])
    .option('--ttl <seconds>', `lifetime in seconds, at most ${maxServiceTokenSeconds}`, positiveInteger, 300)
    .action((options: { name: string; scope: string[]; ttl: number }) => {
      try {
        const { token, claims } = issueServiceToken(loadSecrets(config()), systemClock, { name: options.name, scopes: options.scope, ttlSeconds: options.ttl });
        out(token);
        note(`Valid until ${new Date(claims.exp * 1000).toISOString()} for ${claims.sub} with scopes [${claims.scp.join(', ')}].`);
      } catch (error) {
        throw new CommandFailed(error instanceof Error ? error.message : String(error));
      }
    });

  const privacy = program.command('privacy').summary('field encryption of personal data: rotate the key, re-encrypt older values');
  privacy
    .command('rotate-key')
    .summary('add a new encryption key and make it active for every later write')
    .action(async () => {
      const keyId = await withDomus((domus) => domus.modules.security.privacy.rotateKey());
      out(`Active key is now ${keyId}. Run \`privacy reencrypt\` to move older values to it.`);
    });
  privacy
    .command('reencrypt')
    .summary('rewrite personal data encrypted under older keys with the active key')
    .action(async () => {
      const result = await withDomus((domus) => domus.modules.security.privacy.reencrypt());
      out(`Re-encrypted ${grouped(result.reencrypted)} record(s); records per key now: ${JSON.stringify(result.byKey)}`);
    });

  const audit = program.command('audit').summary('the tamper-evident audit log: verify the hash chain, export as JSON lines');
  audit
    .command('verify')
    .summary('walk the audit hash chain and report any edited, reordered, inserted or deleted entry')
    .description('Recomputes every entry hash, checks each link to the previous entry and the HMAC-signed chain head. Exit code 1 when anything is wrong, naming the sequence number and what happened. With --file, verifies an exported JSON-lines file instead (no database needed; the signed head is not checked).')
    .option('--file <file>', 'verify an export made by `audit export` instead of the database')
    .option('--json', 'print the result as JSON')
    .action(async (options: { file?: string; json?: boolean }) => {
      const result = options.file
        ? await verifyAuditEntries(await readAuditExport(options.file).catch((error: Error) => { throw new CommandFailed(error.message); }))
        : await withDomus((domus) => domus.platform.audit.verify());
      if (options.json) out(JSON.stringify(result, null, 2));
      else {
        out(`${grouped(result.entries)} audit entries checked${result.entries > 0 ? `, last ${result.lastSeq} (${result.lastHash.slice(0, 16)}…)` : ''}`);
        for (const problem of result.problems) out(`  seq ${problem.seq}  ${problem.kind.padEnd(13)} ${problem.message}`);
        if (result.truncated) out('  ... more problems not listed');
      }
      if (!result.ok) throw new CommandFailed(`The audit chain is broken: ${result.problems.length}${result.truncated ? '+' : ''} problem(s).`);
      if (!options.json) out('The audit chain is intact.');
    });
  audit
    .command('export')
    .summary('write the audit log as JSON lines (one entry per line, with its hashes)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--from <seq>', 'start at this sequence number', positiveInteger, 1)
    .action(async (options: { out?: string; from: number }) => {
      const count = await withDomus((domus) => writeAuditExport(domus.platform.audit, options.out ?? process.stdout, { fromSeq: options.from }));
      note(`Exported ${grouped(count)} audit entries${options.out ? ` to ${options.out}` : ''}.`);
    });

  const security = program.command('security').summary('abuse protection: current lock-outs, lift one');
  security
    .command('lockouts')
    .summary('list accounts and addresses locked out now')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const locks = await withDomus((domus) => domus.modules.security.risk.abuse.activeLocks());
      if (options.json) {
        out(JSON.stringify(locks, null, 2));
        return;
      }
      if (locks.length === 0) out('Nothing is locked out.');
      for (const lock of locks) out(`${lock.kind.padEnd(8)} ${lock.subject.padEnd(40)} ${lock.reason.padEnd(24)} ${String(lock.failures).padStart(4)} failures  until ${lock.locked_until.toISOString()}`);
    });
  security
    .command('unlock')
    .summary('lift the lock-out of an account (--email) or an address (--ip)')
    .option('--email <email>', "the account's log-in e-mail")
    .option('--ip <address>', 'the locked IP address')
    .action(async (options: { email?: string; ip?: string }) => {
      if (!options.email === !options.ip) throw new CommandFailed('Name exactly one of --email or --ip.');
      const key = options.email ? accountKey(options.email) : ipKey(options.ip as string);
      const lifted = await withDomus(async (domus) => {
        const done = await domus.modules.security.risk.abuse.unlock(key);
        if (done) await domus.platform.audit.record({ action: 'security.lockout.lifted', actor: { type: 'system', id: 'cli' }, details: { kind: options.email ? 'account' : 'ip' } });
        return done;
      });
      if (!lifted) throw new CommandFailed(`No lock-out on ${options.email ?? options.ip}.`);
      out(`Lifted the lock-out on ${options.email ?? options.ip}.`);
    });

  return program;
}

function printEvaluation(file: string, result: EvaluationResult): void {
  const pct = (value: number) => `${(value * 100).toFixed(2)}%`;
  const { metrics } = result;
  out(`Evaluated ${path.basename(file)}: ${grouped(result.rowsUsed)} of ${grouped(result.rowsRead)} rows used, ${grouped(result.emptyRows)} empty row(s) skipped, ${grouped(result.skippedRows)} bad row(s) skipped`);
  for (const skipped of result.skipped) out(`  line ${skipped.line}: ${skipped.reason}`);
  if (result.skippedRows > result.skipped.length) out(`  ... and ${grouped(result.skippedRows - result.skipped.length)} more`);
  for (const warning of result.warnings) out(`  note: ${warning}`);
  const kinds = result.columns.map((c) => `${c.name}:${c.kind}${c.coordinate ? `(${c.coordinate})` : ''}`).join(', ');
  out(`Columns: ${kinds}`);
  out(`Features (${result.featureNames.length}): ${result.featureNames.join(', ')}`);
  out(`Split: ${result.split}${result.split === 'kfold' ? ` (${result.folds} folds, figures averaged)` : ''}; train ${grouped(Math.round(metrics.n_train))}, test ${grouped(Math.round(metrics.n_test))}`);
  out(`  MdAPE        ${pct(metrics.mdape)}`);
  out(`  MAPE         ${pct(metrics.mape)}`);
  out(`  within 5%    ${pct(metrics.within5)}`);
  out(`  within 10%   ${pct(metrics.within10)}`);
  out(`  within 20%   ${pct(metrics.within20)}`);
  out(`  R² (price)   ${metrics.r2.toFixed(4)}`);
  out(`  RMSE         ${grouped(Math.round(metrics.rmse))}`);
  out(`  log RMSE     ${metrics.log_rmse.toFixed(4)}`);
  out(`  80% range    ${pct(metrics.coverage80)} of test prices inside`);
  out(`  train time   ${metrics.train_seconds.toFixed(2)} s`);
}

async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    const known = error instanceof CommandFailed || (error instanceof Error && ['CsvImportError', 'MappingError', 'AppError'].includes(error.name));
    process.stderr.write(`Error: ${known ? message : (error as Error).stack ?? message}\n`);
    return 1;
  }
}

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
