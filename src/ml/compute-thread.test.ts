import { describe, expect, it } from 'vitest';
import { computeThreadStats, offer, setComputeThread, setComputeThreadDeadline, startComputeThread } from './compute-thread.js';
import { busySum, fails, hangs } from './compute-thread.fixture.js';

const fixture = new URL('./compute-thread.fixture.ts', import.meta.url).href;

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the compute thread', () => {
  it('answers a task it took, and leaves a task that arrives while it is busy for the caller to take back', async () => {
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    const long = offer(fixture, 'busySum', busySum, { n: 1_000_000, rounds: 400 });
    await until(() => long.claimedBy() === 'thread');
    const short = offer(fixture, 'busySum', busySum, { n: 1000, rounds: 1 });
    const before = { ...computeThreadStats };
    // The thread is busy with the long task: the short one is still free, so the caller runs it.
    const answer = short.result();
    expect(short.source).toBe('caller');
    expect(answer.sum).toBe(busySum({ n: 1000, rounds: 1 }).value.sum);
    const longAnswer = long.result();
    expect(long.source).toBe('thread');
    expect(longAnswer.sum).toBe(busySum({ n: 1_000_000, rounds: 1 }).value.sum * 400);
    expect(Array.from(longAnswer.values)).toEqual([0, 1, 2, 3].map((i) => longAnswer.sum + i));
    expect(computeThreadStats.byCaller).toBe(before.byCaller + 1);
    expect(computeThreadStats.byThread).toBe(before.byThread + 1);
    // The thread, free again, does not take the task the caller already ran.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(short.claimedBy()).toBe('caller');
  });

  it('passes a task error to the caller, and runs tasks here when switched off', async () => {
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    const bad = offer(fixture, 'fails', fails, 'no such thing');
    await until(() => bad.claimedBy() !== 'nobody');
    expect(() => bad.result()).toThrow(/the compute thread failed: no such thing/);
    const missing = offer(fixture, 'nothingHere', busySum, { n: 10, rounds: 1 });
    await until(() => missing.claimedBy() !== 'nobody');
    expect(() => missing.result()).toThrow(/has no export nothingHere/);
    setComputeThread(false);
    const local = offer(fixture, 'busySum', busySum, { n: 10, rounds: 1 });
    expect(local.claimedBy()).toBe('nobody');
    expect(local.result().sum).toBe(busySum({ n: 10, rounds: 1 }).value.sum);
    expect(local.source).toBe('caller');
    setComputeThread(true);
  });

  it('answers without blocking the caller, whose event loop keeps running meanwhile', async () => {
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const task = offer(fixture, 'busySum', busySum, { n: 1_000_000, rounds: 300 });
      const answer = await task.resultAsync();
      expect(task.source).toBe('thread');
      expect(answer.sum).toBe(busySum({ n: 1_000_000, rounds: 1 }).value.sum * 300);
      // The loop ran timers while the thread computed.
      expect(ticks).toBeGreaterThan(3);
      const failing = offer(fixture, 'fails', fails, 'bad input');
      await expect(failing.resultAsync()).rejects.toThrow(/the compute thread failed: bad input/);
    } finally {
      clearInterval(timer);
    }
    setComputeThread(false);
    const local = offer(fixture, 'busySum', busySum, { n: 10, rounds: 1 });
    expect((await local.resultAsync()).sum).toBe(busySum({ n: 10, rounds: 1 }).value.sum);
    expect(local.source).toBe('caller');
    setComputeThread(true);
  });

  // Last: it leaves the thread given up for the rest of this file's process.
  it('gives up on a thread that never answers: the caller computes the task and offers no more work', async () => {
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    setComputeThreadDeadline(300);
    const stuck = offer(fixture, 'hangs', ((n: number) => ({ value: n })) as typeof hangs, 7);
    await until(() => stuck.claimedBy() === 'thread');
    const started = Date.now();
    expect(stuck.result()).toBe(7); // the caller's own computation of the task
    expect(stuck.source).toBe('caller');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = offer(fixture, 'busySum', busySum, { n: 10, rounds: 1 });
    expect(after.claimedBy()).toBe('nobody');
    expect(after.result().sum).toBe(busySum({ n: 10, rounds: 1 }).value.sum);
    expect(after.source).toBe('caller');
  });
});
