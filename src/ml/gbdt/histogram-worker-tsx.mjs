// The GBDT helper thread's entry where Domus runs as TypeScript through tsx (npm start, the
// Docker image, tsx scripts, vitest): a worker thread does not inherit the parent's module
// hooks, so it registers tsx itself before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./histogram-worker.ts');
