/**
 * One tokenized property on the in-process EVM: identity registry, deed, shares with their rent
 * distributor, a 6-decimal mock stablecoin, and named accounts with verified identities.
 */
import { keccak256, toHex, type Address } from 'viem';
import { createEvm, type Deployed, type Evm } from './evm';

export const SHARE = 10n ** 18n;
export const USD = 10n ** 6n;
export const DAY = 86_400n;
export const YEAR = 365n * DAY;
export const GERMANY = 276;
export const FRANCE = 250;
export const UNITED_STATES = 840;
export const DEED_ID = 4_201n;
export const TITLE_HASH = keccak256(toHex('land registry extract 2024-113, Berlin-Mitte, sheet 42'));
export const AGENT_ROLE = keccak256(toHex('AGENT_ROLE'));

export interface Property {
  evm: Evm;
  admin: Address;
  agent: Address;
  /** Verified investors (Germany), in order alice, bob, carol, dave, erin. */
  investors: Address[];
  alice: Address;
  bob: Address;
  carol: Address;
  /** Has no identity in the registry. */
  outsider: Address;
  /** Spare accounts without identity (recovery targets, extra investors). */
  spare: Address[];
  registry: Deployed;
  deed: Deployed;
  shares: Deployed;
  distributor: Deployed;
  stablecoin: Deployed;
  recordPeriod: bigint;
}

export interface PropertyOptions {
  recordPeriod?: bigint;
  /** Connect a rent distributor (default true). */
  distributor?: boolean;
}

export async function deployProperty(options: PropertyOptions = {}, existing?: Evm): Promise<Property> {
  const evm = existing ?? (await createEvm());
  const [admin, agent, alice, bob, carol, dave, erin, outsider, ...spare] = evm.accounts as [Address, ...Address[]] as Address[];
  const recordPeriod = options.recordPeriod ?? DAY;
  const registry = await evm.deploy('IdentityRegistry', [admin], admin);
  const deed = await evm.deploy('PropertyDeed', ['Domus Property Deed', 'DEED', registry.address, admin], admin);
  const shares = await evm.deploy(
    'PropertyShares',
    ['Domus Berlin-Mitte 42', 'DBM42', registry.address, deed.address, DEED_ID, admin],
    admin,
  );
  await evm.write(deed, 'issueDeed', [shares.address, DEED_ID, TITLE_HASH], admin);
  const stablecoin = await evm.deploy('MockStablecoin', [], admin);
  const distributor = await evm.deploy('RentDistributor', [shares.address, stablecoin.address, recordPeriod, admin], admin);
  if (options.distributor !== false) await evm.write(shares, 'connectDistributor', [distributor.address], admin);
  await evm.write(shares, 'grantRole', [AGENT_ROLE, agent], admin);

  const investors = [alice, bob, carol, dave, erin] as Address[];
  const expiry = (await evm.now()) + 10n * YEAR;
  await evm.write(registry, 'setIdentities', [investors, investors.map(() => GERMANY), investors.map(() => expiry)], admin);
  for (const account of [...investors, admin]) {
    await evm.write(stablecoin, 'mint', [account, 1_000_000n * USD], admin);
  }
  return {
    evm,
    admin: admin as Address,
    agent: agent as Address,
    investors,
    alice: alice as Address,
    bob: bob as Address,
    carol: carol as Address,
    outsider: outsider as Address,
    spare: spare as Address[],
    registry,
    deed,
    shares,
    distributor,
    stablecoin,
    recordPeriod,
  };
}

/** Registers `wallet` as a verified investor of `country` for ten years. */
export async function verify(property: Property, wallet: Address, country = GERMANY): Promise<void> {
  const expiry = (await property.evm.now()) + 10n * YEAR;
  await property.evm.write(property.registry, 'setIdentity', [wallet, country, expiry], property.admin);
}

/** Moves the chain past the next record boundary so every pending share earns rent. */
export async function passRecordDate(property: Property): Promise<void> {
  const now = await property.evm.now();
  await property.evm.setTime((now / property.recordPeriod + 1n) * property.recordPeriod + 1n);
}

/** Starts the next block right at the beginning of a record period (with `offset` seconds). */
export async function startOfPeriod(property: Property, offset = 1n): Promise<void> {
  await passRecordDate(property);
  const now = await property.evm.now();
  const start = (now / property.recordPeriod) * property.recordPeriod;
  if (now < start + offset) await property.evm.setTime(start + offset);
}
