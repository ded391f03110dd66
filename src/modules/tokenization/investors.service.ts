import { getAddress, verifyMessage, type Address, type Hex, type LocalAccount } from 'viem';
import type { Clock } from '../../platform/clock';
import { platformErrors } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import { requireUser } from '../identity';
import { ChainRevert } from './chain/chain.service';
import type { CustodialKeys } from './custodial-keys';
import type { ChainBootstrap, ChainContext } from './tokenization.context';
import { tokenizationErrors } from './tokenization.errors';
import type { KycRow, MirrorRow, TokenizationRepository, WalletRow } from './tokenization.repository';
import type { KycView, WalletView } from './tokenization.schema';

export const sandboxKycProvider = 'sandbox-kyc';
const kycValidityDays = 365;

export const linkMessage = (userId: string, address: string) =>
  `Domus: link wallet ${getAddress(address)} to user ${userId}. Signing this proves you control the wallet; it costs nothing.`;

export function toMinor(units: bigint, decimals: number): number {
  return Number(units / 10n ** BigInt(decimals - 2));
}
export function fromMinor(minor: number, decimals: number): bigint {
  return BigInt(minor) * 10n ** BigInt(decimals - 2);
}

/**
 * Investors: their wallets (custodial, generated and kept encrypted, or their own, linked by a
 * signature), their identity verification, and the mirror of that verification into the
 * platform's identity registry on chain.
 *
 * KYC runs through a sandbox provider (`sandbox-kyc`): a local stand-in for a real provider
 * (Onfido, Sumsub...) that decides at once by fixed, documented rules — adults only, and a full
 * name containing "reject" is rejected — so that flows and tests can run without an account.
 *
 * The mirror is a desired-state queue (token_identity_mirror): a KYC decision writes what the
 * registry should say about each of the investor's wallets; `syncIdentities` compares that with
 * `identityOf` on chain and sends `setIdentity`/`removeIdentity` only when they differ, so it is
 * idempotent and safe to retry. Failures back off exponentially and are retried by the poller.
 */
export class InvestorsService {
  constructor(
    private readonly deps: {
      repository: TokenizationRepository;
      bootstrap: ChainBootstrap;
      keys: CustodialKeys;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  private get repository() {
    return this.deps.repository;
  }

  async kyc(auth: AuthContext | null): Promise<KycView> {
    const userId = requireUser(auth);
    return this.kycView(await this.repository.findKyc(userId));
  }

  kycView(row: KycRow | undefined): KycView {
    if (!row) return { status: 'none', provider: null, country: null, expiresAt: null, reason: null };
    const expired = row.status === 'approved' && row.expires_at <= this.deps.clock.now();
    return {
      status: row.status,
      provider: row.provider,
      country: row.country,
      expiresAt: row.expires_at.toISOString(),
      reason: expired ? 'the verification has expired; submit it again' : row.reason,
    };
  }

  /** Submits identity details to the sandbox KYC provider and mirrors the decision on chain. */
  async submitKyc(auth: AuthContext | null, input: { fullName: string; dateOfBirth: string; country: number }): Promise<KycView> {
    const userId = requireUser(auth);
    // The decision is mirrored on chain: with the chain down, answer 503 before recording anything.
    await this.deps.bootstrap.get();
    const now = this.deps.clock.now();
    const born = new Date(`${input.dateOfBirth}T00:00:00Z`);
    const adultSince = new Date(born);
    adultSince.setUTCFullYear(adultSince.getUTCFullYear() + 18);
    let status: KycRow['status'] = 'approved';
    let reason: string | null = null;
    if (born > now) {
      throw platformErrors.VALIDATION_FAILED('Fix these fields: dateOfBirth: is in the future', [{ path: 'dateOfBirth', message: 'is in the future' }]);
    }
    if (adultSince > now) [status, reason] = ['rejected', 'sandbox-kyc rule: investors must be 18 or older'];
    else if (/reject/i.test(input.fullName)) [status, reason] = ['rejected', 'sandbox-kyc rule: the full name contains "reject" (the sandbox rejects it on purpose)'];
    const expires = new Date(now.getTime() + kycValidityDays * 86_400_000);
    const row: KycRow = {
      user_id: userId,
      provider: sandboxKycProvider,
      reference: `sandbox-${newId()}`,
      status,
      country: input.country,
      expires_at: expires,
      reason,
      decided_at: now,
      updated_at: now,
    };
    await this.repository.saveKyc(row);
    await this.queueMirror(userId);
    if (status === 'rejected') throw tokenizationErrors.KYC_REJECTED(`The sandbox KYC provider rejected the verification: ${reason}.`, [], { kyc: this.kycView(row) });
    return this.kycView(row);
  }

  /** Writes the desired registry entry for each wallet of the user, then tries to apply it now. */
  async queueMirror(userId: string): Promise<void> {
    const context = await this.deps.bootstrap.get();
    const kyc = await this.repository.findKyc(userId);
    const wallets = await this.repository.walletsOfUser(userId);
    const now = this.deps.clock.now();
    const approved = kyc?.status === 'approved' && kyc.expires_at > now;
    for (const wallet of wallets) {
      await this.repository.wantIdentity(
        context.chain.chainId,
        wallet.address,
        approved ? kyc.country : 0,
        approved ? Math.floor(kyc.expires_at.getTime() / 1000) : 0,
        now,
      );
    }
    await this.syncIdentities(wallets.map((wallet) => wallet.address)).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, userId }, 'identity mirror will be retried');
    });
  }

  /**
   * Applies pending registry entries: all that are due, or those of `addresses` now. Returns how
   * many remain pending (failed this time).
   */
  async syncIdentities(addresses?: string[]): Promise<number> {
    const context = await this.deps.bootstrap.get();
    const now = this.deps.clock.now();
    const rows = await this.repository.duePendingMirrors(context.chain.chainId, now, 50, addresses);
    let failed = 0;
    for (const row of rows) {
      try {
        await this.applyMirror(context, row);
      } catch (error) {
        failed += 1;
        const delaySeconds = Math.min(3_600, 5 * 2 ** Math.min(row.attempts, 10));
        const message = error instanceof ChainRevert ? `reverted: ${error.message}` : (error as Error).message;
        await this.repository.mirrorFailed(row, message, new Date(now.getTime() + delaySeconds * 1000), this.deps.clock.now());
        this.deps.logger.warn({ address: row.address, attempts: row.attempts + 1, error: message }, 'identity mirror failed; retrying later');
      }
    }
    if (failed > 0 && addresses) throw new Error(`${failed} identity mirror updates failed`);
    return failed;
  }

  private async applyMirror(context: ChainContext, row: MirrorRow): Promise<void> {
    const registry = { address: context.contracts.registry, contract: 'IdentityRegistry' as const };
    const [country, expiresAt] = await context.chain.read<[number, bigint]>({ ...registry, functionName: 'identityOf', args: [row.address] });
    const wantRemoved = row.country === 0;
    const matches = wantRemoved ? Number(country) === 0 : Number(country) === row.country && Number(expiresAt) === Number(row.expires_at);
    let hash: string | null = null;
    if (!matches) {
      const receipt = wantRemoved
        ? await context.chain.write(context.operator, { ...registry, functionName: 'removeIdentity', args: [row.address] })
        : await context.chain.write(context.operator, { ...registry, functionName: 'setIdentity', args: [row.address, row.country, BigInt(row.expires_at)] });
      hash = receipt.transactionHash;
    }
    await this.repository.mirrorSynced(row, hash, this.deps.clock.now());
  }

  // ---- wallets -------------------------------------------------------------------------------

  async createCustodialWallet(auth: AuthContext | null): Promise<WalletView> {
    const userId = requireUser(auth);
    const existing = (await this.repository.walletsOfUser(userId)).find((wallet) => wallet.custodial);
    if (!existing) {
      const { address, encryptedKey } = this.deps.keys.generate(userId);
      await this.repository.insertWallet({ id: newId(), user_id: userId, address, custodial: true, encrypted_key: encryptedKey, created_at: this.deps.clock.now() });
      await this.queueMirror(userId);
    }
    const wallet = (await this.repository.walletsOfUser(userId)).find((candidate) => candidate.custodial)!;
    return (await this.walletViews([wallet]))[0]!;
  }

  async linkWallet(auth: AuthContext | null, input: { address: string; signature: string }): Promise<WalletView> {
    const userId = requireUser(auth);
    const address = getAddress(input.address);
    let valid = false;
    try {
      valid = await verifyMessage({ address, message: linkMessage(userId, address), signature: input.signature as Hex });
    } catch {
      valid = false;
    }
    if (!valid) throw tokenizationErrors.WALLET_SIGNATURE_INVALID(`The signature was not made by ${address} over the link message; sign exactly the text from GET /tokenization/wallets/link-message.`, [{ path: 'signature', message: 'does not match the address' }]);
    const owner = await this.repository.findWalletByAddress(address);
    if (owner && owner.user_id !== userId) throw tokenizationErrors.WALLET_ALREADY_LINKED(`Wallet ${address} is linked to another user.`);
    if (!owner) {
      await this.repository.insertWallet({ id: newId(), user_id: userId, address, custodial: false, encrypted_key: null, created_at: this.deps.clock.now() });
      await this.queueMirror(userId);
    }
    const wallet = (await this.repository.findWalletByAddress(address))!;
    return (await this.walletViews([wallet]))[0]!;
  }

  async wallets(auth: AuthContext | null): Promise<WalletView[]> {
    const userId = requireUser(auth);
    return this.walletViews(await this.repository.walletsOfUser(userId));
  }

  async walletViews(wallets: WalletRow[]): Promise<WalletView[]> {
    const context = await this.deps.bootstrap.get();
    const mirrors = new Map((await this.repository.mirrorsOf(context.chain.chainId, wallets.map((wallet) => wallet.address))).map((row) => [row.address, row]));
    const views: WalletView[] = [];
    for (const wallet of wallets) {
      const balance = await context.chain.read<bigint>({ address: context.contracts.stablecoin, contract: 'MockStablecoin', functionName: 'balanceOf', args: [wallet.address] });
      const mirror = mirrors.get(wallet.address);
      views.push({
        address: wallet.address,
        custodial: wallet.custodial,
        identityOnChain: mirror ? mirror.state : 'not_requested',
        identityError: mirror?.state === 'pending' ? mirror.last_error : null,
        stablecoinBalance: { amountMinor: toMinor(balance, context.contracts.stablecoinDecimals), currency: 'USD' },
        createdAt: wallet.created_at.toISOString(),
      });
    }
    return views;
  }

  /**
   * The wallet a request acts with: `address` must be one of the caller's linked wallets (then the
   * caller signs), otherwise the caller's custodial wallet (then Domus signs with its key).
   */
  async actingWallet(userId: string, address: string | undefined): Promise<{ address: Address; signer: LocalAccount | null }> {
    const wallets = await this.repository.walletsOfUser(userId);
    if (address) {
      const wallet = wallets.find((candidate) => candidate.address.toLowerCase() === address.toLowerCase());
      if (!wallet) throw tokenizationErrors.WALLET_NOT_FOUND(`${address} is not one of your wallets; link it first.`, [{ path: 'wallet', message: 'not linked to you' }]);
      if (!wallet.custodial) return { address: getAddress(wallet.address), signer: null };
      return { address: getAddress(wallet.address), signer: this.deps.keys.open(userId, wallet.address, wallet.encrypted_key!) };
    }
    const custodial = wallets.find((candidate) => candidate.custodial);
    if (!custodial) throw tokenizationErrors.CUSTODIAL_WALLET_REQUIRED('You have no custodial wallet: create one (POST /tokenization/wallets/custodial) or name your own wallet.', [{ path: 'wallet', message: 'required without a custodial wallet' }]);
    return { address: getAddress(custodial.address), signer: this.deps.keys.open(userId, custodial.address, custodial.encrypted_key!) };
  }

  /** KYC must be approved and unexpired before any purchase; the on-chain mirror is brought up to date for `wallet`. */
  async requireVerified(userId: string, wallet: Address): Promise<void> {
    const kyc = await this.repository.findKyc(userId);
    if (!kyc || kyc.status !== 'approved') {
      throw tokenizationErrors.KYC_REQUIRED(kyc ? `Your identity verification is ${kyc.status}; submit it again (POST /tokenization/kyc).` : 'Verify your identity first (POST /tokenization/kyc).');
    }
    if (kyc.expires_at <= this.deps.clock.now()) throw tokenizationErrors.KYC_REQUIRED('Your identity verification has expired; submit it again (POST /tokenization/kyc).');
    await this.syncIdentities([wallet]).catch(() => undefined);
  }

  async userOfWallet(address: string): Promise<string | null> {
    return (await this.repository.findWalletByAddress(getAddress(address)))?.user_id ?? null;
  }
}
