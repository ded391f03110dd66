/**
 * bench/gas: gas per operation of the tokenization contracts on the in-process EVM (Hardhat 3.9.1's
 * EDR, hardfork cancun), beside a plain OpenZeppelin ERC-20 and ERC-721 compiled with the same
 * solc settings and measured in the same run. Prints a table with ratios and writes
 * bench/results/gas.json. Not part of `npm test`.
 *
 *   npx tsx bench/gas/gas.bench.ts
 *
 * Gas is deterministic, so one run suffices; each figure is the `gasUsed` of a mined transaction
 * (the 21,000 intrinsic gas included), in a scenario the table names. Exits 1 when a target of
 * issue 6 is missed (compliant share transfer <= 100,000; claim <= 80,000).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { keccak256, toHex, type Address } from 'viem';
import { checkArtifacts, collectSources, compileCommand, compileSources, repositoryRoot } from '../../contracts/toolchain';
import { createEvm } from '../../test/contracts/support/evm';
import { DAY, deployProperty, passRecordDate, SHARE, USD, verify } from '../../test/contracts/support/fixture';

const TARGETS = { share_transfer: 100_000, claim: 80_000 } as const;
const T_REX_COMPLIANT_TRANSFER = 156_000;

interface Row {
  key: string;
  operation: string;
  gas: number;
  baseline?: string;
}

async function main(): Promise<void> {
  const freshness = checkArtifacts();
  if (!freshness.fresh) console.warn(`! contracts/out/ is stale (${freshness.reason}); measuring an in-memory build. Run ${compileCommand}.`);

  // The baselines are compiled now, with the compiler and settings of the contracts.
  const baselineUnits = ['bench/gas/BaselineERC20.sol', 'bench/gas/BaselineERC721.sol'];
  const baselines = compileSources(collectSources(baselineUnits), baselineUnits);
  const evm = await createEvm(baselines);
  const property = await deployProperty({}, evm);
  const { shares, distributor, stablecoin, deed, registry, admin, agent, alice, bob, carol } = property;
  const [, , , dave] = property.investors as [Address, Address, Address, Address, Address];
  const [fresh1, fresh2, fresh3, fresh4] = property.spare as [Address, Address, Address, Address];
  const rows: Row[] = [];
  const record = (key: string, operation: string, gas: bigint, baseline?: string) =>
    rows.push({ key, operation, gas: Number(gas), ...(baseline ? { baseline } : {}) });

  // ---------------------------------------------------------------- baselines
  const erc20 = await evm.deploy(baselines.BaselineERC20 as never, [], admin);
  await evm.write(erc20, 'mint', [alice, 1_000n * SHARE], admin);
  await evm.write(erc20, 'mint', [bob, 1_000n * SHARE], admin);
  record('erc20_transfer_baseline', 'OZ ERC-20 transfer to an existing holder', (await evm.write(erc20, 'transfer', [bob, SHARE], alice)).gasUsed);
  record('erc20_transfer_new_holder_baseline', 'OZ ERC-20 transfer to a new holder', (await evm.write(erc20, 'transfer', [fresh1, SHARE], alice)).gasUsed);
  const erc721 = await evm.deploy(baselines.BaselineERC721 as never, [], admin);
  record('erc721_mint_baseline', 'OZ ERC-721 mint (_mint) to a new owner', (await evm.write(erc721, 'mint', [fresh1, 1n], admin)).gasUsed);
  const erc721Uri = await evm.deploy(baselines.BaselineERC721URIStorage as never, [], admin);
  record(
    'erc721_uri_storage_mint_baseline',
    'OZ ERC-721 + URIStorage safeMint (wizard style)',
    (await evm.write(erc721Uri, 'safeMint', [fresh1, 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'], admin)).gasUsed,
  );

  // ---------------------------------------------------------------- deployment
  const deployments: [string, bigint][] = [
    ['IdentityRegistry', registry.deployReceipt.gasUsed],
    ['PropertyDeed', deed.deployReceipt.gasUsed],
    ['PropertyShares', shares.deployReceipt.gasUsed],
    ['RentDistributor', distributor.deployReceipt.gasUsed],
  ];
  const now = await evm.now();
  const offering = await evm.deploy(
    'ShareOffering',
    [shares.address, stablecoin.address, admin, 50n * USD, 10n * SHARE, 10_000n * SHARE, now, now + 30n * DAY, admin],
    admin,
  );
  const market = await evm.deploy('ShareMarket', [shares.address, stablecoin.address], admin);
  deployments.push(['ShareOffering', offering.deployReceipt.gasUsed], ['ShareMarket', market.deployReceipt.gasUsed]);
  for (const [name, gas] of deployments) record(`deploy_${name}`, `deploy ${name}`, gas);
  // What tokenizing one more property costs once the registry and the deed contract exist.
  const tokenize =
    shares.deployReceipt.gasUsed +
    distributor.deployReceipt.gasUsed +
    (await evm.write(deed, 'issueDeed', [shares.address, 2n, keccak256(toHex('title 2'))], admin)).gasUsed;
  record('deploy', 'tokenize a property: shares + distributor + deed (connect not incl.)', tokenize);

  // ---------------------------------------------------------------- deed
  record('deed_mint', 'PropertyDeed.issueDeed to a new owner (with title hash)', (await evm.write(deed, 'issueDeed', [fresh2, 3n, keccak256(toHex('title 3'))], admin)).gasUsed, 'erc721_mint_baseline');

  // ---------------------------------------------------------------- shares
  await evm.write(shares, 'setSystemAccount', [offering.address, true], admin);
  await evm.write(shares, 'mint', [offering.address, 10_000n * SHARE], agent);
  await evm.write(shares, 'mint', [alice, 1_000n * SHARE], agent);
  await evm.write(shares, 'mint', [bob, 1_000n * SHARE], agent);
  await evm.write(stablecoin, 'approve', [distributor.address, 2n ** 255n], admin);
  await passRecordDate(property);
  await evm.write(distributor, 'deposit', [1_000n * USD], admin);
  await passRecordDate(property);
  // Alice and Bob have not touched the books since their shares arrived: both settle now.
  record(
    'share_transfer',
    'PropertyShares.transfer between verified holders (first in the period: both settle)',
    (await evm.write(shares, 'transfer', [bob, 10n * SHARE], alice)).gasUsed,
    'erc20_transfer_baseline',
  );
  record(
    'share_transfer_steady',
    'PropertyShares.transfer between verified holders (nothing to settle)',
    (await evm.write(shares, 'transfer', [bob, 10n * SHARE], alice)).gasUsed,
    'erc20_transfer_baseline',
  );
  record(
    'share_transfer_new_holder',
    'PropertyShares.transfer to a verified new holder',
    (await evm.write(shares, 'transfer', [carol, 10n * SHARE], alice)).gasUsed,
    'erc20_transfer_new_holder_baseline',
  );
  const failed = await evm.writeUnchecked(shares, 'transfer', [property.outsider, 10n * SHARE], alice, 300_000n);
  if (failed.status !== 'reverted') throw new Error('the transfer to an unverified address should have reverted');
  record('share_transfer_unverified_revert', 'PropertyShares.transfer to an unverified address (mined, reverted)', failed.gasUsed);
  record('forced_transfer', 'PropertyShares.forcedTransfer by an agent', (await evm.write(shares, 'forcedTransfer', [bob, alice, SHARE], agent)).gasUsed);
  await verify(property, fresh3);
  record('recovery', 'PropertyShares.recoveryAddress (lost wallet to a new one)', (await evm.write(shares, 'recoveryAddress', [carol, fresh3], agent)).gasUsed);

  // ---------------------------------------------------------------- rent
  await passRecordDate(property);
  record('deposit', 'RentDistributor.deposit (any number of holders)', (await evm.write(distributor, 'deposit', [5_000n * USD], admin)).gasUsed);
  // Bob holds stablecoin and has never claimed: his correction slot is written for the first time.
  record('claim', 'RentDistributor.claim (first claim; recipient holds the stablecoin)', (await evm.write(distributor, 'claim', [], bob)).gasUsed);
  await passRecordDate(property);
  await evm.write(distributor, 'deposit', [5_000n * USD], admin);
  record('claim_repeat', 'RentDistributor.claim (a later claim)', (await evm.write(distributor, 'claim', [], bob)).gasUsed);

  // ---------------------------------------------------------------- offering and market
  await evm.write(stablecoin, 'approve', [offering.address, 2n ** 255n], dave);
  record('offering_purchase', 'ShareOffering.buy (first purchase of an investor)', (await evm.write(offering, 'buy', [100n * SHARE], dave)).gasUsed);
  await evm.setTime(BigInt(await evm.read<bigint>(offering, 'closesAt')));
  await evm.write(offering, 'finalize', []);
  record('offering_delivery', 'ShareOffering.claimShares (delivery to a new holder)', (await evm.write(offering, 'claimShares', [dave], dave)).gasUsed);
  await evm.write(shares, 'approve', [market.address, 2n ** 255n], alice);
  await evm.write(market, 'placeSellOrder', [100n * SHARE, 48n * USD], alice);
  await evm.write(stablecoin, 'approve', [market.address, 2n ** 255n], bob);
  record('market_fill', 'ShareMarket.fillSellOrder (buyer already holds shares)', (await evm.write(market, 'fillSellOrder', [1n, 10n * SHARE], bob)).gasUsed);
  void fresh4;

  // ---------------------------------------------------------------- report
  const gas = Object.fromEntries(rows.map((row) => [row.key, row.gas]));
  const ratios: Record<string, number> = {};
  for (const row of rows) if (row.baseline) ratios[row.key] = Number((row.gas / (gas[row.baseline] as number)).toFixed(2));
  const table = rows.map((row) => ({
    operation: row.operation,
    gas: row.gas.toLocaleString('en-US'),
    'vs baseline': row.baseline ? `${ratios[row.key]}x ${row.baseline.replace('_baseline', '')}` : '',
    target: row.key in TARGETS ? `<= ${TARGETS[row.key as keyof typeof TARGETS].toLocaleString('en-US')}` : '',
  }));
  console.table(table);
  const misses = Object.entries(TARGETS).filter(([key, limit]) => (gas[key] as number) > limit);
  console.log(
    `compliant transfer: ${gas.share_transfer} gas = ${((gas.share_transfer as number) / T_REX_COMPLIANT_TRANSFER).toFixed(2)}x T-REX's ~156,000`,
  );
  const result = {
    benchmark: 'gas',
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    evm: 'Hardhat 3.9.1 in-process EDR, hardfork cancun',
    compiler: { version: (Object.values(baselines)[0] as { compiler: { version: string } }).compiler.version, optimizer: 'on, 200 runs', evmVersion: 'cancun' },
    unit: 'gas per transaction, 21,000 intrinsic included',
    ...gas,
    operations: rows,
    ratios,
    targets: Object.fromEntries(Object.entries(TARGETS).map(([key, limit]) => [key, { limit, gas: gas[key], met: (gas[key] as number) <= limit }])),
    reference: { t_rex_compliant_transfer: T_REX_COMPLIANT_TRANSFER },
  };
  const output = path.join(repositoryRoot, 'bench', 'results', 'gas.json');
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${path.relative(repositoryRoot, output)}`);
  if (misses.length > 0) {
    console.error(`targets missed: ${misses.map(([key, limit]) => `${key} ${gas[key]} > ${limit}`).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
