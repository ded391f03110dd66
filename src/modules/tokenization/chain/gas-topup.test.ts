import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHardhatRuntimeEnvironment } from 'hardhat/hre';
import { createPublicClient, custom, getAddress, type EIP1193Provider } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../../../../test/support/api-client';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { confirm, investor, issuerWithListing, openOffering, tokenize } from '../tokenization.test-support';

/**
 * Domus against a JSON-RPC node that charges gas, as a real chain does: an EDR chain with a
 * 1 gwei base fee behind a plain HTTP JSON-RPC endpoint, the operator funded at genesis and every
 * custodial wallet empty. Buying shares with a custodial wallet only works because the operator
 * tops the wallet up with gas first (chain.service.ts `ensureGas`).
 */
const operatorKey = `0x${'42'.repeat(32)}` as const;
const operator = privateKeyToAccount(operatorKey);
const clockStart = '2026-03-01T09:00:00.000Z';

async function feeChargingNode(): Promise<{ url: string; provider: EIP1193Provider; server: Server }> {
  const hre = await createHardhatRuntimeEnvironment({
    networks: {
      default: {
        type: 'edr-simulated',
        chainType: 'l1',
        hardfork: 'cancun',
        chainId: 84_532,
        initialBaseFeePerGas: 1_000_000_000,
        // The chain's clock starts where the platform's manual clock does (blocks then follow real time).
        initialDate: new Date(clockStart),
        accounts: [{ privateKey: operatorKey, balance: '100000000000000000000' }],
      },
    },
  } as never);
  const provider = (await hre.network.connect()).provider as unknown as EIP1193Provider;
  const answer = async (request: { id: unknown; method: string; params?: unknown }) => {
    try {
      return { jsonrpc: '2.0', id: request.id, result: await provider.request({ method: request.method, params: request.params } as never) };
    } catch (error) {
      const failure = error as { code?: number; message: string; data?: unknown };
      return { jsonrpc: '2.0', id: request.id, error: { code: failure.code ?? -32603, message: failure.message, data: failure.data } };
    }
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const parsed = JSON.parse(body) as Parameters<typeof answer>[0] | Parameters<typeof answer>[0][];
      void (Array.isArray(parsed) ? Promise.all(parsed.map(answer)) : answer(parsed)).then((result) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, provider, server };
}

describe('a JSON-RPC chain that charges gas', { timeout: 240_000 }, () => {
  let domus: TestDomus;
  let node: Awaited<ReturnType<typeof feeChargingNode>>;
  const balanceOf = (address: string) => createPublicClient({ transport: custom(node.provider) }).getBalance({ address: getAddress(address) });

  beforeAll(async () => {
    node = await feeChargingNode();
    domus = await createTestDomus({ clockStart, config: { CHAIN_RPC_URL: node.url, CHAIN_SIGNER_KEY: operatorKey, CHAIN_CONFIRMATIONS: '0', CHAIN_POLL_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await domus?.close();
    node?.server.close();
  });

  it('tops a custodial wallet up with gas before it buys, from the operator, and only as much as needed', async () => {
    const issuer = await issuerWithListing(domus);
    const propertyId = (await tokenize(domus, issuer)).id;
    const offering = await openOffering(domus, issuer, propertyId);
    const buyer = await investor(domus, 'Gas Payer', 5_000);
    expect(await balanceOf(buyer.wallet)).toBe(0n);

    const operatorBefore = await balanceOf(operator.address);
    await confirm(domus, buyer);
    const bought = await call(domus, buyer.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: 5 });
    expect(bought.statusCode, bought.body).toBe(200);
    expect(bought.json().status).toBe('done');
    // The wallet paid its own gas out of the top-up and keeps the rest for its next transactions.
    const left = await balanceOf(buyer.wallet);
    expect(left).toBeGreaterThan(0n);
    expect(left).toBeLessThanOrEqual(50_000_000_000_000_000n);
    expect(await balanceOf(operator.address)).toBeLessThan(operatorBefore);
    const portfolio = (await call(domus, buyer.caller, 'GET', '/tokenization/portfolio')).json();
    expect(portfolio.history).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'SharesPurchased', details: expect.objectContaining({ shares: '5000000000000000000' }) })]));
    expect(portfolio.wallets[0].stablecoinBalance).toEqual({ amountMinor: 450_000, currency: 'USD' });

    // A second purchase is covered by what is left: no new top-up.
    const operatorAfterFirst = await balanceOf(operator.address);
    await confirm(domus, buyer);
    expect((await call(domus, buyer.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: 2 })).statusCode).toBe(200);
    expect(await balanceOf(operator.address)).toBe(operatorAfterFirst);
  });

  it('refuses, without sending anything, when a top-up would exceed CHAIN_GAS_TOPUP_MAX_WEI', async () => {
    const stingy = await createTestDomus({ clockStart, config: { CHAIN_RPC_URL: node.url, CHAIN_SIGNER_KEY: operatorKey, CHAIN_CONFIRMATIONS: '0', CHAIN_GAS_TOPUP_MAX_WEI: '1000' } });
    try {
      const buyer = await investor(stingy, 'No Gas', 0, { kyc: false });
      await confirm(stingy, buyer);
      const kyc = await call(stingy, buyer.caller, 'POST', '/tokenization/kyc', { fullName: 'No Gas Investor', dateOfBirth: '1985-04-12', country: 276 });
      // KYC is written by the operator (no top-up); the refusal comes when the wallet itself must send.
      expect(kyc.statusCode, kyc.body).toBe(200);
      const issuer = await issuerWithListing(stingy);
      const propertyId = (await tokenize(stingy, issuer)).id;
      const offering = await openOffering(stingy, issuer, propertyId);
      const funded = await call(stingy, buyer.caller, 'POST', `/tokenization/wallets/${buyer.wallet}/sandbox-funds`, { amount: { amountMinor: 100_000, currency: 'USD' } });
      expect(funded.statusCode, funded.body).toBe(200);
      const refused = await call(stingy, buyer.caller, 'POST', `/tokenization/offerings/${offering.id}/purchases`, { shares: 1 });
      expectProblem(refused, 503, 'CHAIN_GAS_UNFUNDED');
      expect(await balanceOf(buyer.wallet)).toBe(0n);
    } finally {
      await stingy.close();
    }
  });
});
