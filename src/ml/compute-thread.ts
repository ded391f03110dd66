/**
 * One persistent helper thread for CPU-bound work that a synchronous caller shares with it (the
 * AVM's training: half its feature rows, one of its two forests). The caller offers a task — a
 * named export of a module and a structured-clonable argument — does its own share, then either
 * takes the task back if the thread has not started it (a thread still starting, or busy, never
 * holds the caller up) or waits for the answer with Atomics.wait (allowed on Node's main thread)
 * and receiveMessageOnPort. The task's function must be deterministic: its answer is the same
 * whichever thread computed it, so results never depend on timing.
 *
 * Why by hand: the pools on npm (piscina, workerpool, tinypool) answer with promises, and the
 * AVM's training is synchronous (it runs inside a transaction-free background job and the CLI,
 * and its phases are timed); a synchronous hand-over with take-back is 100 lines.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What the thread is sent. */
export interface ComputeTask {
  /** URL of the module (import.meta.url-relative URLs resolve the same on both threads). */
  readonly module: string;
  readonly name: string;
  readonly argument: unknown;
  /** Int32 words: [0] set to 1 when the answer is posted; [1] who claimed the task (0 nobody, 1 the thread, 2 the caller). */
  readonly flag: SharedArrayBuffer;
}

/** A task function: returns its value and the buffers to transfer (not copy) back. */
export type ComputeFunction<A, R> = (argument: A) => { value: R; transfer?: ArrayBuffer[] };

/** The least time a caller waits for the thread's answer before it computes the task itself (setComputeThreadDeadline). */
let MIN_DEADLINE_MS = 30_000;

/** Sets that least wait (ms); for tests of a thread that never answers. */
export function setComputeThreadDeadline(ms: number): void {
  if (!(ms > 0)) throw new RangeError(`the deadline must be positive, got ${ms}`);
  MIN_DEADLINE_MS = ms;
}

/** Tasks answered by the compute thread and tasks taken back (or run here without it), for tests and benchmarks. */
export const computeThreadStats = { byThread: 0, byCaller: 0 };

export const CLAIM_WORKER = 1;
export const CLAIM_CALLER = 2;

interface ThreadState {
  worker: Worker | null;
  failed: boolean;
  ready: Promise<boolean>;
}
let state: ThreadState | null = null;
let enabled = availableParallelism() >= 2 && typeof SharedArrayBuffer !== 'undefined';

/** Whether work is offered to the compute thread (default: on machines with 2 cores or more). */
export function setComputeThread(on: boolean): void {
  enabled = on && typeof SharedArrayBuffer !== 'undefined';
}


function thread(): Worker | null {
  if (!enabled) return null;
  if (!state) {
    const s: ThreadState = { worker: null, failed: false, ready: Promise.resolve(false) };
    state = s;
    try {
      const here = import.meta.url;
      const worker = new Worker(new URL(here.endsWith('.ts') ? './compute-thread-tsx.mjs' : './compute-thread-worker.js', here));
      worker.unref();
      s.worker = worker;
      s.ready = new Promise<boolean>((resolve) => {
        const fail = () => {
          s.failed = true;
          s.worker = null;
          resolve(false);
        };
        worker.once('message', (message: unknown) => resolve(message === 'ready'));
        worker.on('error', fail);
        worker.on('exit', fail);
      });
    } catch {
      s.failed = true;
    }
  }
  return state.failed ? null : state.worker;
}

/** Starts the compute thread (once per process) and resolves to whether it is usable; offering work starts it too. */
export function startComputeThread(): Promise<boolean> {
  if (!thread()) return Promise.resolve(false);
  return state!.ready;
}

/** A task offered to the compute thread; `result()` returns its answer, computing it here when the thread did not take it. */
export class OfferedTask<R> {
  private done = false;
  private value: R | undefined;
  private readonly offeredAt = performance.now();

  constructor(
    private readonly local: () => R,
    private readonly flag: Int32Array | null,
    private readonly port: MessagePort | null,
  ) {}

  /** Where the answer came from: 'thread', or 'caller' (taken back, or no thread). */
  source: 'thread' | 'caller' = 'caller';

  /** Who has the task so far: nobody yet, the compute thread, or the caller. */
  claimedBy(): 'nobody' | 'thread' | 'caller' {
    if (!this.flag) return this.done ? 'caller' : 'nobody';
    const claim = Atomics.load(this.flag, 1);
    return claim === CLAIM_WORKER ? 'thread' : claim === CLAIM_CALLER ? 'caller' : 'nobody';
  }

  /**
   * The answer without blocking: for a caller that has nothing else to do but must keep its
   * event loop serving (a training run as a background job). The task is left to the thread —
   * not taken back — and awaited on its port; without a thread, or if the thread dies before
   * answering (its 'exit' event arrives, the loop being free), the task runs here.
   */
  async resultAsync(): Promise<R> {
    if (this.done) return this.value!;
    this.done = true;
    const { flag, port } = this;
    const worker = state?.worker ?? null;
    if (!flag || !port || !worker || state?.failed) return this.runHere();
    const answer = await new Promise<Answer<R> | null>((resolve) => {
      const onExit = () => resolve(null);
      worker.once('exit', onExit);
      port.once('message', (message: Answer<R>) => {
        worker.off('exit', onExit);
        resolve(message);
      });
    });
    port.close();
    return answer ? this.settle(answer) : this.runHere();
  }

  result(): R {
    if (this.done) return this.value!;
    this.done = true;
    const { flag, port } = this;
    if (!flag || !port || Atomics.compareExchange(flag, 1, 0, CLAIM_CALLER) === 0) return this.runHere();
    // A thread that dies mid-task (its heap exhausted) cannot say so, and its 'exit' event needs
    // the event loop this wait blocks: after a deadline — ten times as long as the caller took
    // for its own share since the offer, at least 30 s — the caller gives up on the thread (it
    // is not offered work again) and computes the task itself.
    const deadline = performance.now() + Math.max(MIN_DEADLINE_MS, 10 * (performance.now() - this.offeredAt));
    let message: { message: Answer<R> } | undefined;
    for (;;) {
      Atomics.wait(flag, 0, 0, 200);
      message = receiveMessageOnPort(port) as typeof message;
      if (message || !state || state.failed) break;
      if (performance.now() > deadline) {
        if (state) state.failed = true;
        void state?.worker?.terminate();
        break;
      }
    }
    port.close();
    // No message: the thread died (or gave no answer in time), so the task runs here.
    return message ? this.settle(message.message) : this.runHere();
  }

  /** The task computed on this thread (taken back, no thread, or the thread gone). */
  private runHere(): R {
    this.port?.close();
    computeThreadStats.byCaller++;
    this.value = this.local();
    return this.value;
  }

  /** The thread's answer: its value, or its error thrown here. */
  private settle(answer: Answer<R>): R {
    if (!answer.ok) throw new Error(`the compute thread failed: ${answer.error}`);
    this.source = 'thread';
    computeThreadStats.byThread++;
    this.value = answer.value;
    return this.value;
  }
}

/** What the thread posts for a task. */
type Answer<R> = { ok: true; value: R } | { ok: false; error: string };

/**
 * Offers `fn(argument)` (the export `name` of `module`, which `fn` must be) to the compute
 * thread. Without the thread (disabled, one core, failed to start) the task runs here when its
 * result is asked for.
 */
export function offer<A, R>(module: string, name: string, fn: ComputeFunction<A, R>, argument: A): OfferedTask<R> {
  const local = () => fn(argument).value;
  const worker = thread();
  if (!worker) return new OfferedTask(local, null, null);
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const channel = new MessageChannel();
  const task: ComputeTask = { module, name, argument, flag: flag.buffer as SharedArrayBuffer };
  try {
    // The argument is copied, not transferred: the caller may still need it to run the task itself.
    worker.postMessage({ ...task, port: channel.port2 }, [channel.port2]);
  } catch {
    channel.port1.close();
    return new OfferedTask(local, null, null);
  }
  return new OfferedTask(local, flag, channel.port1);
}
