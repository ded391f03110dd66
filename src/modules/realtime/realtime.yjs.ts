import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { RealtimeRepository } from './realtime.repository';

// The y-websocket wire protocol (the stock WebsocketProvider speaks it): a varuint message type,
// then a y-protocols sync or awareness message. Written here on y-protocols rather than taken from
// @y/websocket-server because persistence, multi-node fan-out and idle unloading hook into every
// step of it.
const messageSync = 0;
const messageAwareness = 1;
const messageQueryAwareness = 3;

const remoteOrigin = Symbol('remote node');
const loadOrigin = Symbol('database');

interface SharedDocument {
  name: string;
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  /** Each connection and the awareness client ids it controls. */
  connections: Map<WebSocket, Set<number>>;
  /** Awareness client ids announced by other nodes, by node. */
  remoteClients: Map<string, Set<number>>;
  loaded: Promise<void>;
  unsaved: Uint8Array[];
  saving: boolean;
  idleTimer: NodeJS.Timeout | null;
}

export interface DocumentOptions {
  /** How long a document with no connection stays in memory. */
  idleMs: number;
  /** Compact a document's update log when it holds more rows than this. */
  compactAfterUpdates: number;
}

/**
 * Yjs documents, one per deal, spoken in the y-websocket protocol. A document is loaded from its
 * update log when its first client connects and unloaded (after compacting the log) once idle, so
 * memory follows the open documents, not all documents. Updates are persisted in the order they
 * were applied (batched per event-loop turn) and only then published to the other nodes, so any
 * node that loads a document afterwards finds them in the database.
 */
export class DocumentHub {
  private readonly documents = new Map<string, SharedDocument>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: { repository: RealtimeRepository; bus: EventBus; origin: string; logger: Logger; clock: Clock },
    private readonly options: DocumentOptions,
  ) {
    this.unsubscribe = deps.bus.subscribe('realtime.document', (event) => {
      if (event.origin === deps.origin) return;
      const shared = this.documents.get(event.document);
      if (!shared) return;
      const update = Buffer.from(event.update, 'base64');
      try {
        if (event.awareness) {
          const clients = shared.remoteClients.get(event.origin) ?? new Set<number>();
          shared.remoteClients.set(event.origin, clients);
          for (const id of awarenessClients(update)) clients.add(id);
          awarenessProtocol.applyAwarenessUpdate(shared.awareness, update, remoteOrigin);
        } else {
          Y.applyUpdate(shared.doc, update, remoteOrigin);
        }
      } catch (error) {
        deps.logger.warn({ err: error, document: event.document }, 'dropped a malformed document update from another node');
      }
    });
  }

  get openDocuments(): number {
    return this.documents.size;
  }

  /** Serves one y-websocket connection to `name`. */
  async connect(name: string, socket: WebSocket): Promise<void> {
    const shared = this.open(name);
    if (shared.idleTimer) {
      clearTimeout(shared.idleTimer);
      shared.idleTimer = null;
    }
    shared.connections.set(socket, new Set());
    // Messages that arrive while the document loads are applied after it, in order.
    const early: Buffer[] = [];
    let ready = false;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!ready) early.push(data);
      else this.onMessage(shared, socket, data, isBinary);
    });
    socket.on('close', () => this.disconnect(shared, socket));
    try {
      await shared.loaded;
    } catch (error) {
      this.deps.logger.error({ err: error, document: name }, 'could not load a shared document');
      socket.close(1011, 'document unavailable');
      return;
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeSyncStep1(encoder, shared.doc);
    send(socket, encoding.toUint8Array(encoder));
    const states = shared.awareness.getStates();
    if (states.size > 0) send(socket, awarenessMessage(shared.awareness, [...states.keys()]));
    ready = true;
    for (const data of early) this.onMessage(shared, socket, data, true);
  }

  private open(name: string): SharedDocument {
    const existing = this.documents.get(name);
    if (existing) return existing;
    const doc = new Y.Doc({ gc: true });
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState(null);
    const shared: SharedDocument = {
      name, doc, awareness, connections: new Map(), remoteClients: new Map(), loaded: Promise.resolve(), unsaved: [], saving: false, idleTimer: null,
    };
    // In the map before loading: updates other nodes announce meanwhile are applied, not missed.
    this.documents.set(name, shared);
    shared.loaded = this.deps.repository.loadUpdates(name).then(({ updates }) => {
      if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates), loadOrigin);
    });
    shared.loaded.catch(() => {
      if (this.documents.get(name) === shared) this.documents.delete(name);
    });
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      const message = syncUpdateMessage(update);
      for (const connection of shared.connections.keys()) if (connection !== origin) send(connection, message);
      if (origin === loadOrigin || origin === remoteOrigin) return;
      shared.unsaved.push(update);
      this.save(shared);
    });
    awareness.on('update', ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      if (origin instanceof Object && shared.connections.has(origin as WebSocket)) {
        const controlled = shared.connections.get(origin as WebSocket)!;
        for (const id of added) controlled.add(id);
        for (const id of removed) controlled.delete(id);
      }
      const message = awarenessMessage(awareness, changed);
      for (const connection of shared.connections.keys()) send(connection, message);
      if (origin !== remoteOrigin) {
        this.publish(name, encodedAwareness(awareness, changed), true);
      }
    });
    return shared;
  }

  private onMessage(shared: SharedDocument, socket: WebSocket, data: Buffer, isBinary: boolean): void {
    try {
      if (!isBinary) throw new Error('y-websocket frames are binary');
      const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      const type = decoding.readVarUint(decoder);
      if (type === messageSync) {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, messageSync);
        const syncType = decoding.readVarUint(decoder);
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          syncProtocol.readSyncStep1(decoder, encoder, shared.doc);
          send(socket, encoding.toUint8Array(encoder));
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          // Applied here rather than by y-protocols, which would log a malformed update and carry on.
          Y.applyUpdate(shared.doc, decoding.readVarUint8Array(decoder), socket);
        } else {
          throw new Error(`unknown sync message ${syncType}`);
        }
      } else if (type === messageAwareness) {
        awarenessProtocol.applyAwarenessUpdate(shared.awareness, decoding.readVarUint8Array(decoder), socket);
      } else if (type === messageQueryAwareness) {
        send(socket, awarenessMessage(shared.awareness, [...shared.awareness.getStates().keys()]));
      } else {
        throw new Error(`unknown message type ${type}`);
      }
    } catch (error) {
      // A frame we cannot read: this client's state is unknown, so it reconnects and resyncs.
      this.deps.logger.info({ err: error, document: shared.name }, 'closed a document connection after a malformed frame');
      socket.close(1007, 'malformed y-websocket frame');
    }
  }

  private disconnect(shared: SharedDocument, socket: WebSocket): void {
    const controlled = shared.connections.get(socket);
    shared.connections.delete(socket);
    if (controlled && controlled.size > 0) awarenessProtocol.removeAwarenessStates(shared.awareness, [...controlled], null);
    if (shared.connections.size === 0 && !shared.idleTimer) {
      shared.idleTimer = setTimeout(() => void this.unload(shared), this.options.idleMs);
      shared.idleTimer.unref();
    }
  }

  /** A dead node's clients leave every document's awareness. */
  nodeExpired(node: string): void {
    for (const shared of this.documents.values()) {
      const clients = shared.remoteClients.get(node);
      shared.remoteClients.delete(node);
      if (clients && clients.size > 0) awarenessProtocol.removeAwarenessStates(shared.awareness, [...clients], remoteOrigin);
    }
  }

  private save(shared: SharedDocument): void {
    if (shared.saving || shared.unsaved.length === 0) return;
    shared.saving = true;
    setImmediate(() => {
      const updates = shared.unsaved.splice(0);
      this.deps.repository
        .appendUpdates(shared.name, updates, this.deps.clock.now())
        .then(() => this.publish(shared.name, Y.mergeUpdates(updates), false))
        .catch((error: unknown) => {
          // Kept and retried: the update is in memory and in the clients, not yet in the database.
          this.deps.logger.error({ err: error, document: shared.name }, 'could not persist document updates; retrying');
          shared.unsaved.unshift(...updates);
        })
        .finally(() => {
          shared.saving = false;
          if (shared.unsaved.length > 0) setTimeout(() => this.save(shared), 200).unref();
        });
    });
  }

  private publish(document: string, update: Uint8Array, awareness: boolean): void {
    this.deps.bus
      .publish('realtime.document', { origin: this.deps.origin, document, update: Buffer.from(update).toString('base64'), awareness })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, document }, 'could not publish a document update'));
  }

  private async unload(shared: SharedDocument): Promise<void> {
    shared.idleTimer = null;
    if (shared.connections.size > 0 || this.documents.get(shared.name) !== shared) return;
    while (shared.saving || shared.unsaved.length > 0) {
      this.save(shared);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (shared.connections.size > 0) return;
    this.documents.delete(shared.name);
    shared.awareness.destroy();
    shared.doc.destroy();
    await this.compact(shared.name).catch((error: unknown) => this.deps.logger.warn({ err: error, document: shared.name }, 'could not compact a document'));
  }

  /** Merges the document's update log into one row when it has grown past the threshold. */
  async compact(name: string): Promise<boolean> {
    const { lastId, updates } = await this.deps.repository.loadUpdates(name);
    if (updates.length <= this.options.compactAfterUpdates) return false;
    await this.deps.repository.compact(name, lastId, Y.mergeUpdates(updates), this.deps.clock.now());
    return true;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const shared of [...this.documents.values()]) {
      for (const socket of shared.connections.keys()) socket.terminate();
      shared.connections.clear();
      if (shared.idleTimer) clearTimeout(shared.idleTimer);
      await this.unload(shared);
    }
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

function send(socket: WebSocket, message: Uint8Array): void {
  if (socket.readyState === socket.OPEN) socket.send(message);
}

function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function encodedAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  return awarenessProtocol.encodeAwarenessUpdate(awareness, clients);
}

function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageAwareness);
  encoding.writeVarUint8Array(encoder, encodedAwareness(awareness, clients));
  return encoding.toUint8Array(encoder);
}

/** The client ids an awareness update speaks for. */
function awarenessClients(update: Uint8Array): number[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) {
    ids.push(decoding.readVarUint(decoder));
    decoding.readVarUint(decoder);
    decoding.readVarString(decoder);
  }
  return ids;
}
