/**
 * Browser client of the /realtime protocol (docs/realtime.md), with the same delivery rules as the
 * server's Node client: it remembers the last sequence of each room and rejoins with it after any
 * disconnect, so nothing is missed or shown twice; chat messages keep their client id and are
 * resent until acknowledged; it reconnects by itself with capped exponential backoff.
 */
/** `ended`: the server closed the socket because the session ended (4401): log in again, no retry. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'ended';

export interface RoomMessage {
  room: string;
  seq: number;
  kind: string;
  sender: string | null;
  body: Record<string, unknown>;
  at: string;
}

export interface PresenceMember {
  connectionId: string;
  userId: string;
  name: string;
  state: { cursor?: string | null; typing?: boolean; view?: string | null };
}

export interface RoomListener {
  onMessage(message: RoomMessage): void;
  onPresence(members: PresenceMember[]): void;
  onError?(error: { code: string; message: string }): void;
}

interface Room {
  cursor: number;
  members: Map<string, PresenceMember>;
  listener: RoomListener;
  state: PresenceMember['state'];
}

export class RoomClient {
  private socket: WebSocket | null = null;
  private readonly rooms = new Map<string, Room>();
  private readonly outbox = new Map<string, object>();
  private attempt = 0;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  state: ConnectionState = 'connecting';
  connectionId: string | null = null;

  constructor(private readonly onState: (state: ConnectionState) => void) {
    this.open();
  }

  private open(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
    };
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as Record<string, unknown>);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return this.setState('closed');
      if (event.code === 4401) {
        // The session behind the socket ended (log-out elsewhere, revoked): retrying cannot help.
        this.closed = true;
        return this.setState('ended');
      }
      this.setState('reconnecting');
      const delay = Math.min(10_000, 250 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.onState(state);
  }

  private send(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private receive(frame: Record<string, unknown>): void {
    const room = typeof frame.room === 'string' ? this.rooms.get(frame.room) : undefined;
    switch (frame.type) {
      case 'hello':
        this.connectionId = String(frame.connectionId);
        this.setState('open');
        for (const [name, joined] of this.rooms) this.send({ type: 'join', room: name, since: joined.cursor, state: joined.state });
        for (const pending of this.outbox.values()) this.send(pending);
        return;
      case 'joined':
        if (!room) return;
        room.members = new Map((frame.presence as PresenceMember[]).map((member) => [member.connectionId, member]));
        room.listener.onPresence([...room.members.values()]);
        return;
      case 'message': {
        if (!room || typeof frame.seq !== 'number' || frame.seq <= room.cursor) return;
        room.cursor = frame.seq;
        room.listener.onMessage(frame as unknown as RoomMessage);
        return;
      }
      case 'truncated':
        if (room) room.cursor = Math.max(room.cursor, Number(frame.first) - 1);
        return;
      case 'presence': {
        if (!room) return;
        const member = frame.member as PresenceMember;
        if (frame.event === 'leave') room.members.delete(member.connectionId);
        else room.members.set(member.connectionId, member);
        room.listener.onPresence([...room.members.values()]);
        return;
      }
      case 'ack':
        this.outbox.delete(String(frame.id));
        return;
      case 'error':
        if (typeof frame.ref === 'string') this.outbox.delete(frame.ref);
        (room?.listener ?? [...this.rooms.values()][0]?.listener)?.onError?.({ code: String(frame.code), message: String(frame.message) });
        return;
    }
  }

  join(name: string, listener: RoomListener, state: PresenceMember['state'] = {}): () => void {
    this.rooms.set(name, { cursor: 0, members: new Map(), listener, state });
    this.send({ type: 'join', room: name, since: 0, state });
    return () => {
      this.rooms.delete(name);
      this.send({ type: 'leave', room: name });
    };
  }

  say(room: string, text: string): void {
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const frame = { type: 'send', room, id, kind: 'chat', body: { text } };
    this.outbox.set(id, frame);
    this.send(frame);
  }

  presence(room: string, state: PresenceMember['state']): void {
    const joined = this.rooms.get(room);
    if (joined) joined.state = state;
    this.send({ type: 'presence', room, state });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
  }
}
