import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { PresenceMember } from './realtime.protocol';

export type PresenceEvent = 'join' | 'update' | 'leave';

interface RemoteEntry {
  member: PresenceMember;
  node: string;
}

/**
 * Who is in each room, across nodes. A node owns the presence of its own connections and tells
 * the others (join / update / leave on the bus); a node that opens a room asks the others for
 * their members of it. Every node sends a heartbeat; a node silent for `ttlMs` is dead, and its
 * members leave every room here (reason "expired"). So a killed node's clients disappear within
 * `ttlMs` plus one sweep, and a live node's never do.
 */
export class PresenceTracker {
  private readonly local = new Map<string, Map<string, PresenceMember>>();
  private readonly remote = new Map<string, Map<string, RemoteEntry>>();
  private readonly lastHeard = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly deps: {
      bus: EventBus;
      origin: string;
      logger: Logger;
      ttlMs: number;
      /** Rooms with members on this node: the only ones whose remote presence is kept. */
      isOpen: (room: string) => boolean;
      notify: (room: string, event: PresenceEvent, member: PresenceMember, reason?: string) => void;
      onNodeExpired?: (node: string) => void;
    },
  ) {
    const { bus, origin } = deps;
    this.unsubscribers.push(
      bus.subscribe('realtime.presence', (event) => {
        if (event.origin === origin) return;
        this.heard(event.origin);
        if (!this.deps.isOpen(event.room)) return;
        if (event.event === 'leave') this.removeRemote(event.room, event.member.connectionId);
        else this.putRemote(event.room, event.origin, event.member, event.event);
      }),
      bus.subscribe('realtime.presence.query', (event) => {
        if (event.origin === origin) return;
        this.heard(event.origin);
        const members = this.local.get(event.room);
        if (members && members.size > 0) this.publish('realtime.presence.state', { origin, room: event.room, members: [...members.values()] });
      }),
      bus.subscribe('realtime.presence.state', (event) => {
        if (event.origin === origin) return;
        this.heard(event.origin);
        if (!this.deps.isOpen(event.room)) return;
        for (const member of event.members) this.putRemote(event.room, event.origin, member, 'join');
      }),
      bus.subscribe('realtime.heartbeat', (event) => {
        if (event.origin !== origin) this.heard(event.origin);
      }),
    );
    const beat = Math.max(100, Math.floor(deps.ttlMs / 3));
    this.timers.push(setInterval(() => this.publish('realtime.heartbeat', { origin }), beat), setInterval(() => this.sweep(), beat));
    for (const timer of this.timers) timer.unref();
    this.publish('realtime.heartbeat', { origin });
  }

  /** Everyone in the room as this node knows it: its own connections and the other nodes'. */
  members(room: string): PresenceMember[] {
    return [...(this.local.get(room)?.values() ?? []), ...[...(this.remote.get(room)?.values() ?? [])].map((entry) => entry.member)];
  }

  roomOpened(room: string): void {
    this.publish('realtime.presence.query', { origin: this.deps.origin, room });
  }

  roomClosed(room: string): void {
    this.remote.delete(room);
  }

  set(room: string, member: PresenceMember, event: 'join' | 'update'): void {
    let members = this.local.get(room);
    if (!members) this.local.set(room, (members = new Map()));
    members.set(member.connectionId, member);
    this.deps.notify(room, event, member);
    this.publish('realtime.presence', { origin: this.deps.origin, room, event, member });
  }

  remove(room: string, connectionId: string): void {
    const members = this.local.get(room);
    const member = members?.get(connectionId);
    if (!members || !member) return;
    members.delete(connectionId);
    if (members.size === 0) this.local.delete(room);
    this.deps.notify(room, 'leave', member);
    this.publish('realtime.presence', { origin: this.deps.origin, room, event: 'leave', member });
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const unsubscribe of this.unsubscribers) unsubscribe();
  }

  private heard(node: string): void {
    this.lastHeard.set(node, Date.now());
  }

  private putRemote(room: string, node: string, member: PresenceMember, event: 'join' | 'update'): void {
    let entries = this.remote.get(room);
    if (!entries) this.remote.set(room, (entries = new Map()));
    const known = entries.has(member.connectionId);
    entries.set(member.connectionId, { member, node });
    this.deps.notify(room, known ? 'update' : event, member);
  }

  private removeRemote(room: string, connectionId: string, reason?: string): void {
    const entries = this.remote.get(room);
    const entry = entries?.get(connectionId);
    if (!entries || !entry) return;
    entries.delete(connectionId);
    this.deps.notify(room, 'leave', entry.member, reason);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [node, heard] of this.lastHeard) {
      if (now - heard <= this.deps.ttlMs) continue;
      this.lastHeard.delete(node);
      this.deps.logger.info({ node }, 'realtime node silent past the presence TTL; its members left');
      for (const [room, entries] of this.remote) {
        for (const [connectionId, entry] of entries) if (entry.node === node) this.removeRemote(room, connectionId, 'expired');
      }
      this.deps.onNodeExpired?.(node);
    }
  }

  private publish<K extends 'realtime.presence' | 'realtime.presence.query' | 'realtime.presence.state' | 'realtime.heartbeat'>(
    name: K,
    payload: import('../../platform/events').DomusEvents[K],
  ): void {
    this.deps.bus.publish(name, payload).catch((error: unknown) => this.deps.logger.warn({ err: error, event: name }, 'could not publish presence'));
  }
}
