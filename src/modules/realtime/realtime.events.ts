import type { PresenceMember } from './realtime.protocol';
import type { StoredMessage } from './realtime.repository';

/**
 * What realtime nodes tell each other over the platform bus (Redis pub/sub when REDIS_URL is set).
 * `origin` is the sending gateway's instance id: a node ignores its own echoes. Pub/sub may drop a
 * message; nothing is lost by that, because room messages carry gap-free sequences and a node that
 * sees a gap reads the missing ones from the database (realtime.rooms.ts).
 */
export interface RoomMessagesEvent {
  origin: string;
  messages: StoredMessage[];
}
export interface PresenceChangedEvent {
  origin: string;
  room: string;
  event: 'join' | 'update' | 'leave';
  member: PresenceMember;
}
export interface PresenceQueryEvent {
  origin: string;
  room: string;
}
export interface PresenceStateEvent {
  origin: string;
  room: string;
  members: PresenceMember[];
}
export interface NodeHeartbeatEvent {
  origin: string;
}
export interface DocumentUpdateEvent {
  origin: string;
  document: string;
  /** base64 of a Yjs update or an awareness update. */
  update: string;
  awareness: boolean;
}

declare module '../../platform/events' {
  interface DomusEvents {
    'realtime.messages': RoomMessagesEvent;
    'realtime.presence': PresenceChangedEvent;
    'realtime.presence.query': PresenceQueryEvent;
    'realtime.presence.state': PresenceStateEvent;
    'realtime.heartbeat': NodeHeartbeatEvent;
    'realtime.document': DocumentUpdateEvent;
  }
}
