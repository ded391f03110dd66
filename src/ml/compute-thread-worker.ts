/**
 * The compute thread (compute-thread.ts): runs the tasks it is sent, one at a time — a named
 * export of a module, called with the task's argument — and answers each on the task's port,
 * then raises the task's flag so that a caller blocked in Atomics.wait wakes and reads the answer
 * with receiveMessageOnPort. A task the caller has already taken back is skipped.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { CLAIM_WORKER, type ComputeTask } from './compute-thread.js';

parentPort!.on('message', (task: ComputeTask & { port: MessagePort }) => {
  void run(task);
});
parentPort!.postMessage('ready');

async function run(task: ComputeTask & { port: MessagePort }): Promise<void> {
  const flag = new Int32Array(task.flag);
  let fn: ((argument: unknown) => { value: unknown; transfer?: ArrayBuffer[] }) | undefined;
  let loadError: unknown = null;
  try {
    // The module first: a task is claimed only when it can start at once, so a task that arrives
    // while another runs (or loads) stays free for its caller to take back.
    const module = (await import(task.module)) as Record<string, typeof fn>;
    fn = module[task.name];
    if (typeof fn !== 'function') throw new Error(`${task.module} has no export ${task.name}`);
  } catch (error) {
    loadError = error;
  }
  if (Atomics.compareExchange(flag, 1, 0, CLAIM_WORKER) !== 0) {
    task.port.close();
    return;
  }
  try {
    if (loadError !== null) throw loadError;
    const { value, transfer } = fn!(task.argument);
    task.port.postMessage({ ok: true, value }, transfer ?? []);
  } catch (error) {
    task.port.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
  task.port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
