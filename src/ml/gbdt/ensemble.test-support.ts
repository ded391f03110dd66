/** Imports the ensemble tests need from elsewhere in src/ml, in one place. */
export { serializeModel } from './format.js';
export { trainGbdt } from './train.js';
export { treeShap as treeShapOf } from '../explain/tree-shap.js';
