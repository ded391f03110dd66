import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { Config } from './config';
import type { CursorCodec } from './cursor';
import type { Database, DatabaseHandle } from './db';
import type { EventBus } from './events';
import type { FileStore } from './files';
import type { Logger } from './logger';
import type { Secrets } from './secrets';

/** The kernel every module receives at construction. Nothing domain-specific lives here. */
export interface PlatformServices {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  db: Database;
  bus: EventBus;
  files: FileStore;
  clock: Clock;
  secrets: Secrets;
  cursors: CursorCodec;
  /** The append-only, hash-chained audit log (`platform.audit.record({...})`). */
  audit: AuditLog;
  /** Identifies this process among the nodes of a cluster (events, logs). */
  nodeId: string;
}

/** What a module hands to the composition root. */
export interface ModuleRegistration {
  name: string;
  /** Registered under /api/v1. */
  routes?: FastifyPluginAsync;
  stop?(): Promise<void>;
}
