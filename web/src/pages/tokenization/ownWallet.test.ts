import { describe, expect, it } from 'vitest';
import { chainMismatch, isUnsupportedMethod, sameAddress, signAndRelay, toSignRequest, walletErrorMessage, type SignRequest, type Step, type UnsignedTransaction } from './ownWallet';

const from = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const to = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const tx = (description: string, extra: Partial<UnsignedTransaction> = {}): UnsignedTransaction => ({
  from, to, data: '0x095ea7b3', value: '0', chainId: 31337, type: 'eip1559', nonce: 7, gas: '65000', maxFeePerGas: '2000000000', maxPriorityFeePerGas: '1000000000', description, ...extra,
});

describe('toSignRequest', () => {
  it('maps an API unsigned transaction to a viem request (checksummed addresses, bigint value)', () => {
    expect(toSignRequest(tx('approve', { value: '1000000000000000000' }))).toEqual({
      account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      to: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      data: '0x095ea7b3',
      value: 10n ** 18n,
      chainId: 31337,
      type: 'eip1559',
      nonce: 7,
      gas: 65_000n,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
  });

  it('refuses malformed fields, naming the transaction and the field', () => {
    expect(() => toSignRequest(tx('buy', { to: '0x1234' }))).toThrow(/"buy" has an invalid recipient/);
    expect(() => toSignRequest(tx('buy', { from: 'alice' }))).toThrow(/invalid sender/);
    expect(() => toSignRequest(tx('buy', { data: 'approve' }))).toThrow(/data that is not hex/);
    expect(() => toSignRequest(tx('buy', { value: '-1' }))).toThrow(/value that is not a whole number/);
    expect(() => toSignRequest(tx('buy', { chainId: 0 }))).toThrow(/invalid chain id 0/);
    expect(() => toSignRequest(tx('buy', { nonce: -1 }))).toThrow(/invalid nonce -1/);
    expect(() => toSignRequest(tx('buy', { gas: '1e6' }))).toThrow(/gas that is not a whole number/);
  });
});

describe('wallet errors', () => {
  it('finds EIP-1193 codes through the cause chain', () => {
    expect(isUnsupportedMethod({ shortMessage: 'x', cause: { code: 4200 } })).toBe(true);
    expect(isUnsupportedMethod({ code: -32601 })).toBe(true);
    expect(isUnsupportedMethod({ code: 4001 })).toBe(false);
    expect(isUnsupportedMethod(new Error('boom'))).toBe(false);
  });

  it('says a rejection plainly and otherwise uses the short message', () => {
    expect(walletErrorMessage({ cause: { code: 4001 } })).toBe('You rejected the request in your wallet.');
    expect(walletErrorMessage({ shortMessage: 'Chain mismatch' })).toBe('Chain mismatch');
    expect(walletErrorMessage(new Error('first line\nsecond'))).toBe('first line');
  });

  it('compares addresses case-insensitively and names a chain mismatch', () => {
    expect(sameAddress(from, from.toUpperCase().replace('0X', '0x'))).toBe(true);
    expect(sameAddress(from, null)).toBe(false);
    expect(chainMismatch(31337, 31337)).toBeNull();
    expect(chainMismatch(1, 31337)).toMatch(/chain 1; Domus runs on chain 31337/);
  });
});

describe('signAndRelay', () => {
  const record = () => {
    const snapshots: Step[][] = [];
    return { snapshots, onStep: (steps: Step[]) => snapshots.push(steps), last: () => snapshots.at(-1)! };
  };

  it('signs and relays each transaction in order, reporting every step', async () => {
    const calls: string[] = [];
    const steps = record();
    const ok = await signAndRelay([tx('approve'), tx('buy', { data: '0xd96a094a' })], {
      sign: async (request: SignRequest) => {
        calls.push(`sign ${request.data}`);
        return `0xsigned${request.data.slice(2)}` as `0x${string}`;
      },
      relay: async (signed) => {
        calls.push(`relay ${signed}`);
        return { transaction: { hash: `0xhash-${signed}` } };
      },
      onStep: steps.onStep,
      describe: String,
    });
    expect(ok).toBe(true);
    expect(calls).toEqual(['sign 0x095ea7b3', 'relay 0xsigned095ea7b3', 'sign 0xd96a094a', 'relay 0xsignedd96a094a']);
    expect(steps.snapshots[0]!.map((step) => step.state)).toEqual(['waiting', 'waiting']);
    expect(steps.snapshots.map((snapshot) => snapshot[1]!.state)).toContain('relaying');
    expect(steps.last()).toEqual([
      { description: 'approve', state: 'done', hash: '0xhash-0xsigned095ea7b3' },
      { description: 'buy', state: 'done', hash: '0xhash-0xsignedd96a094a' },
    ]);
  });

  it('stops at the first failure with its message and leaves the rest waiting', async () => {
    const steps = record();
    let relayed = 0;
    const ok = await signAndRelay([tx('approve'), tx('buy')], {
      sign: async () => '0xab',
      relay: async () => {
        relayed += 1;
        throw new Error('The receiver is not verified');
      },
      onStep: steps.onStep,
      describe: (error) => (error as Error).message,
    });
    expect(ok).toBe(false);
    expect(relayed).toBe(1);
    expect(steps.last()).toEqual([
      { description: 'approve', state: 'failed', error: 'The receiver is not verified' },
      { description: 'buy', state: 'waiting' },
    ]);
  });

  it('falls back to sending through the wallet when it cannot sign alone, and only when allowed', async () => {
    const unsupported = Object.assign(new Error('eth_signTransaction not supported'), { code: 4200 });
    let signs = 0;
    const sent: string[] = [];
    const steps = record();
    const ok = await signAndRelay([tx('approve'), tx('buy', { data: '0x01' })], {
      sign: async () => {
        signs += 1;
        throw unsupported;
      },
      relay: async () => {
        throw new Error('not reached');
      },
      send: async (request) => {
        sent.push(request.data);
        return `0xsent${request.data.slice(2)}` as `0x${string}`;
      },
      onStep: steps.onStep,
      describe: String,
    });
    expect(ok).toBe(true);
    expect(signs).toBe(1); // not asked again after it said it cannot
    expect(sent).toEqual(['0x095ea7b3', '0x01']);
    expect(steps.last().map((step) => step.hash)).toEqual(['0xsent095ea7b3', '0xsent01']);

    const without = record();
    expect(await signAndRelay([tx('approve')], { sign: async () => { throw unsupported; }, relay: async () => ({ transaction: { hash: '' } }), onStep: without.onStep, describe: (error) => (error as Error).message })).toBe(false);
    expect(without.last()[0]).toMatchObject({ state: 'failed', error: 'eth_signTransaction not supported' });
  });

  it('fails a malformed transaction before asking the wallet', async () => {
    const steps = record();
    let asked = false;
    const ok = await signAndRelay([tx('buy', { to: 'nowhere' })], {
      sign: async () => {
        asked = true;
        return '0x';
      },
      relay: async () => ({ transaction: { hash: '' } }),
      onStep: steps.onStep,
      describe: (error) => (error as Error).message,
    });
    expect(ok).toBe(false);
    expect(asked).toBe(false);
    expect(steps.last()[0]!.error).toMatch(/invalid recipient nowhere/);
  });
});
