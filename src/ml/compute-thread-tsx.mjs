// The compute thread's entry where Domus runs as TypeScript through tsx (npm start, tsx
// scripts, vitest): a worker thread does not inherit the parent's module hooks, so it registers
// tsx itself before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./compute-thread-worker.ts');
