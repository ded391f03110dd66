/**
 * The GBDT helper thread (parallel.ts): waits for a training's shared buffers, then runs its
 * share of every split's node work until the training closes, and waits for the next one.
 */
import { parentPort } from 'node:worker_threads';
import type { HistogramLayout, HistogramSource } from './histogram.js';
import { runNodeWork, type NodeEvaluation } from './node-work.js';
import { BIT_WORDS, CONTROL, RESULT_STRIDE, type WorkerSetup } from './parallel.js';
import { SplitCandidate } from './split-finder.js';

function serve(setup: WorkerSetup): void {
  const control = new Int32Array(setup.control);
  const totals = new Float64Array(setup.totals);
  const results = new Float64Array(setup.results);
  const bits = new Uint32Array(setup.bits);
  const layout: HistogramLayout = {
    numFeatures: setup.slotOffset.length,
    slotOffset: setup.slotOffset,
    binCount: setup.binCount,
    isCategorical: setup.isCategorical,
    size: setup.histSize,
  };
  const source: HistogramSource = {
    columns: new Uint8Array(setup.columns),
    numRows: setup.numRows,
    gradients: new Float64Array(setup.gradients),
    hessians: null,
    orderedGradients: new Float64Array(setup.numRows),
    orderedHessians: new Float64Array(0),
  };
  const rows = new Uint32Array(setup.rows);
  const hist = (index: number): Float64Array => new Float64Array(setup.arena, index * setup.histSize * 8, setup.histSize);
  const candidates = [new SplitCandidate(), new SplitCandidate()];
  const features = new Int32Array(layout.numFeatures);
  // A training's control buffer is new: its sequence starts at 0, whether or not a job is already posted.
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.sequence, seen);
    const sequence = Atomics.load(control, CONTROL.sequence);
    if (sequence === seen) continue;
    seen = sequence;
    if (Atomics.load(control, CONTROL.stop) !== 0) return;
    const count = control[CONTROL.featureCount]!;
    for (let j = 0; j < count; j++) features[j] = control[CONTROL.features + j]!;
    const buildIndex = control[CONTROL.buildHist]!;
    const subtractIndex = control[CONTROL.subtractHist]!;
    const evaluations: NodeEvaluation[] = [];
    for (let k = 0; k < control[CONTROL.evaluations]!; k++) {
      evaluations.push({ hist: hist(control[CONTROL.evalHist + k]!), gradient: totals[2 * k]!, hessian: totals[2 * k + 1]!, count: control[CONTROL.evalCount + k]!, out: candidates[k]! });
    }
    runNodeWork(
      {
        build: buildIndex >= 0 ? { hist: hist(buildIndex), start: control[CONTROL.buildStart]!, end: control[CONTROL.buildEnd]! } : null,
        subtractFrom: subtractIndex >= 0 ? hist(subtractIndex) : null,
        evaluations,
      },
      layout,
      source,
      rows,
      setup.constraints,
      features.subarray(0, count),
    );
    evaluations.forEach((e, k) => {
      const at = k * RESULT_STRIDE;
      const c = e.out;
      results[at] = c.gain;
      results[at + 1] = c.feature;
      results[at + 2] = c.binThreshold;
      results[at + 3] = c.defaultLeft ? 1 : 0;
      results[at + 4] = c.leftGradient;
      results[at + 5] = c.leftHessian;
      const words = c.feature >= 0 && c.categoryBits ? Math.min(BIT_WORDS, c.categoryBits.length) : 0;
      results[at + 6] = words;
      for (let w = 0; w < words; w++) bits[k * BIT_WORDS + w] = c.categoryBits![w]!;
    });
    Atomics.store(control, CONTROL.done, sequence);
    Atomics.notify(control, CONTROL.done);
  }
}

const port = parentPort;
if (port) {
  port.on('message', (setup: WorkerSetup) => {
    try {
      serve(setup);
    } catch (error) {
      Atomics.store(new Int32Array(setup.control), CONTROL.failed, 1);
      Atomics.notify(new Int32Array(setup.control), CONTROL.done);
      throw error;
    }
  });
  port.postMessage('ready');
}
