/** Histogram gradient-boosted decision trees: the public API of src/ml/gbdt. */
export { trainGbdt, type TrainOptions } from './train.js';
export { gbdtWorkerStartupMs, parallelStats, setGbdtThreads, startGbdtWorker } from './parallel.js';
export { GbdtModel, type ModelFeature, type TrainingSummary } from './model.js';
export { defaultGbdtParams, type GbdtParams, type Growth, type LossName } from './params.js';
export { serializeModel, parseModel, modelToJson, modelFromJson, ModelFormatError, MODEL_FORMAT, MODEL_VERSION, type GbdtModelJson } from './format.js';
export { goesLeft, type Forest } from './forest.js';
export { averageModels, trainAveraged } from './ensemble.js';
