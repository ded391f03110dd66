/**
 * How long the in-process chain takes to come back after a restart (docs/tokenization.md,
 * "Persistence of the in-process chain"): replaying its transaction log of N transactions,
 * against the baseline of opening an empty chain in the same run, and against mining those N
 * transactions the first time. Writes bench/results/tokenization-replay.json.
 *
 *   npx tsx bench/tokenization/replay.bench.ts [transactions=400]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeDeployData, encodeFunctionData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ManualClock } from '../../src/platform/clock';
import { contractArtifacts } from '../../src/modules/tokenization/chain/artifacts';
import { InProcessChain, inProcessChainId } from '../../src/modules/tokenization/chain/in-process-chain';

const count = Number(process.argv[2] ?? 400);
const logger = { info: () => undefined, warn: () => undefined } as never;
const clock = new ManualClock('2026-03-01T09:00:00.000Z');
const operator = privateKeyToAccount(`0x${'42'.repeat(32)}`);
const directory = mkdtempSync(path.join(tmpdir(), 'domus-replay-bench-'));
const seconds = (start: number) => (performance.now() - start) / 1000;

// The first open loads Hardhat's modules; measure warm opens only.
await InProcessChain.open({ directory: null, clock, logger });
const emptyStart = performance.now();
await InProcessChain.open({ directory: null, clock, logger });
const emptyOpen = seconds(emptyStart);

const chain = await InProcessChain.open({ directory, clock, logger });
const send = async (nonce: number, to: Hex | null, data: Hex) => {
  const raw = await operator.signTransaction({ type: 'eip1559', chainId: inProcessChainId, nonce, to, data, gas: 3_000_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  return (await chain.provider.request({ method: 'eth_sendRawTransaction', params: [raw] })) as Hex;
};
const coin = contractArtifacts().MockStablecoin;
const mineStart = performance.now();
const deployHash = await send(0, null, encodeDeployData({ abi: coin.abi, bytecode: coin.bytecode }));
const receipt = (await chain.provider.request({ method: 'eth_getTransactionReceipt', params: [deployHash] })) as { contractAddress: Hex };
for (let nonce = 1; nonce < count; nonce += 1) {
  clock.advance(12_000);
  await send(nonce, receipt.contractAddress, encodeFunctionData({ abi: coin.abi, functionName: 'mint', args: [operator.address, BigInt(nonce)] }));
}
const firstMining = seconds(mineStart);

const replayStart = performance.now();
const replayed = await InProcessChain.open({ directory, clock, logger });
const replay = seconds(replayStart);
if (replayed.blockCount !== count) throw new Error(`replayed ${replayed.blockCount} of ${count} blocks`);
rmSync(directory, { recursive: true, force: true });

const result = {
  transactions: count,
  empty_open_seconds: Number(emptyOpen.toFixed(3)),
  first_mining_seconds: Number(firstMining.toFixed(3)),
  replay_open_seconds: Number(replay.toFixed(3)),
  replay_ms_per_transaction: Number((((replay - emptyOpen) * 1000) / count).toFixed(3)),
  replay_vs_empty_open: Number((replay / emptyOpen).toFixed(2)),
  replay_vs_first_mining: Number((replay / firstMining).toFixed(2)),
  measured_at: new Date().toISOString(),
};
console.table([
  { what: 'open an empty in-process chain (baseline)', seconds: result.empty_open_seconds },
  { what: `mine ${count} transactions the first time`, seconds: result.first_mining_seconds },
  { what: `open and replay a log of ${count} transactions`, seconds: result.replay_open_seconds },
]);
console.log(`replay: ${result.replay_ms_per_transaction} ms per transaction beyond the empty open; ${result.replay_vs_empty_open}x an empty open; ${result.replay_vs_first_mining}x first mining`);
writeFileSync(path.join(import.meta.dirname, '..', 'results', 'tokenization-replay.json'), JSON.stringify(result, null, 2) + '\n');
