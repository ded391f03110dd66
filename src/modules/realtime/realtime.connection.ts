import type { WebSocket } from 'ws';
import type { Logger } from '../../platform/logger';
import {
  clientFrame,
  describeIssues,
  floodCloseAfterDrops,
  realtimeErrorCodes,
  type ClientFrame,
  type PresenceMember,
  type PresenceState,
  type RealtimeErrorCode,
  type RealtimeLimits,
} from './realtime.protocol';
import type { StoredMessage } from './realtime.repository';
import type { Membership, RoomHub } from './realtime.rooms';
import type { PresenceTracker } from './realtime.presence';

export type RoomAccess = 'write' | 'read' | { refused: 'ROOM_NOT_FOUND' | 'ROOM_FORBIDDEN' };

export interface ConnectionContext {
  rooms: RoomHub;
  presence: PresenceTracker;
  limits: RealtimeLimits;
  logger: Logger;
  authorize(userId: string, room: string): Promise<RoomAccess>;
  /** Connections on this node by room, for presence frames. */
  registry: Map<string, Set<Connection>>;
  now(): Date;
}

/** A client that stops reading: above this many buffered bytes it is dropped (it can resume). */
const maxBufferedBytes = 8 * 1024 * 1024;
const frameCache = new WeakMap<StoredMessage, Buffer>();

/**
 * A room message as one complete WebSocket frame, built once whatever the number of recipients:
 * serialised, UTF-8 encoded and framed (RFC 6455 §5.2: FIN + text opcode, unmasked as server frames
 * are, no extension bits since this server never negotiates permessage-deflate), so sending it to
 * a member is one write of the same Buffer to its TCP socket.
 */
function messageFrame(message: StoredMessage): Buffer {
  let frame = frameCache.get(message);
  if (frame === undefined) {
    frame = textFrame(JSON.stringify({ type: 'message', room: message.room, seq: message.sequence, kind: message.kind, sender: message.senderUserId, body: message.body, at: message.createdAt }));
    frameCache.set(message, frame);
  }
  return frame;
}

export function textFrame(payload: Buffer | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  // A string is encoded straight into the frame (no intermediate Buffer).
  if (typeof payload === 'string') frame.write(payload, header);
  else payload.copy(frame, header);
  return frame;
}

type TcpSocket = { cork(): void; uncork(): void; write(chunk: Buffer): boolean };

/**
 * Write coalescing: the first frame a connection is sent in a turn of the event loop corks its
 * TCP socket, and every socket corked in that turn is uncorked once the turn's callbacks and
 * promise continuations are done. All frames a connection gets in one turn (a committed batch's
 * messages for its rooms, the ack of its own message) then leave in one write system call instead
 * of one each; nothing waits longer than the turn that produced it. ws writes each frame to the
 * socket synchronously (no permessage-deflate on this server), so frame order is kept.
 */
const corked: Connection[] = [];
function uncorkAll(): void {
  for (const connection of corked.splice(0)) connection.uncork();
}

interface RoomSeat extends Membership {
  access: 'write' | 'read';
  state: PresenceState;
}

/** One /realtime WebSocket: its rooms, its rate limit, and the frames it sends and receives. */
export class Connection {
  private readonly seats = new Map<string, RoomSeat>();
  private tokens: number;
  private refilledAt = Date.now();
  private droppedInARow = 0;
  private closed = false;
  private corkedSocket: TcpSocket | null = null;

  constructor(
    readonly id: string,
    readonly userId: string,
    readonly name: string,
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext,
  ) {
    this.tokens = context.limits.burst;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', () => undefined);
    this.sendJson({ type: 'hello', connectionId: id, userId, limits: context.limits });
  }

  /**
   * Sends one JSON text frame, framed here as one Buffer and written like a message frame (see
   * sendFrame): one chunk in the turn's coalesced write, where ws.send would add two (header and
   * payload) and its own corking.
   */
  sendRaw(frame: string): void {
    const tcp = this.writable();
    if (tcp) tcp.write(textFrame(frame));
  }

  /**
   * Sends a frame built by messageFrame(): written to the TCP socket directly, which is sound here
   * because ws writes every frame of this server synchronously (its sender queues only while
   * compressing, and permessage-deflate is off, or while reading a Blob, which is never sent), so
   * this write keeps its place among ws's own; ws counts it in bufferedAmount; and nothing is
   * written once the socket is not OPEN (a close frame sent or received).
   */
  sendFrame(frame: Buffer): void {
    const tcp = this.writable();
    if (tcp) tcp.write(frame);
  }

  /** The corked TCP socket if the connection may be written to now, else null (see `corked`). */
  private writable(): TcpSocket | null {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return null;
    if (this.socket.bufferedAmount > maxBufferedBytes) {
      this.socket.close(1013, 'too slow: reconnect and resume from your last sequence');
      return null;
    }
    if (this.corkedSocket === null) {
      // ws's underlying net.Socket (not part of its typed API, stable across ws 8; set before OPEN).
      const tcp = (this.socket as unknown as { _socket?: TcpSocket })._socket;
      if (!tcp) return null;
      tcp.cork();
      this.corkedSocket = tcp;
      corked.push(this);
      if (corked.length === 1) process.nextTick(uncorkAll);
    }
    return this.corkedSocket;
  }

  /** Ends this turn's write coalescing (see `corked`). */
  uncork(): void {
    const tcp = this.corkedSocket;
    this.corkedSocket = null;
    tcp?.uncork();
  }

  sendJson(frame: object): void {
    this.sendRaw(JSON.stringify(frame));
  }

  presenceChanged(room: string, event: string, member: PresenceMember, reason?: string): void {
    if (this.seats.has(room)) this.sendJson({ type: 'presence', room, event, member, ...(reason ? { reason } : {}) });
  }

  private error(code: RealtimeErrorCode, extra: Record<string, unknown> = {}, message: string = realtimeErrorCodes[code]): void {
    this.sendJson({ type: 'error', code, message, ...extra });
  }

  private allow(): boolean {
    const now = Date.now();
    const { framesPerSecond, burst } = this.context.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * framesPerSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.droppedInARow = 0;
      return true;
    }
    this.droppedInARow += 1;
    return false;
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (!this.allow()) {
      // One error frame per burst of drops is enough to tell the client; a client that keeps
      // flooding regardless is cut off, so it cannot keep this node busy answering it.
      if (this.droppedInARow === 1) this.error('RATE_LIMITED', { retryAfterMs: Math.ceil(1000 / this.context.limits.framesPerSecond) });
      if (this.droppedInARow >= floodCloseAfterDrops) this.socket.close(1008, 'flooding');
      return;
    }
    if (data.byteLength > this.context.limits.maxFrameBytes) {
      this.error('MESSAGE_TOO_LARGE', { limitBytes: this.context.limits.maxFrameBytes, sizeBytes: data.byteLength });
      return;
    }
    if (isBinary) {
      this.error('MALFORMED_FRAME', { problems: [{ path: '(frame)', message: 'must be a text frame holding a JSON object' }] });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      this.error('MALFORMED_FRAME', { problems: [{ path: '(frame)', message: 'is not valid JSON' }] });
      return;
    }
    const result = clientFrame.safeParse(parsed);
    if (!result.success) {
      const fields = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown; room?: unknown }) : {};
      const ref = typeof fields.id === 'string' ? fields.id.slice(0, 64) : undefined;
      const room = typeof fields.room === 'string' ? fields.room.slice(0, 200) : undefined;
      const invalidRoom = result.error.issues.some((issue) => issue.path[0] === 'room');
      this.error(invalidRoom ? 'INVALID_ROOM' : 'MALFORMED_FRAME', { ...(ref ? { ref } : {}), ...(room ? { room } : {}), problems: describeIssues(result.error) });
      return;
    }
    this.handle(result.data).catch((error: unknown) => {
      this.context.logger.error({ err: error, frame: result.data.type }, 'realtime frame failed');
      this.error('INTERNAL', 'id' in result.data && result.data.id ? { ref: result.data.id } : 'room' in result.data ? { room: result.data.room } : {});
    });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        this.sendJson({ type: 'pong', ...(frame.id ? { id: frame.id } : {}) });
        return;
      case 'join':
        return this.join(frame.room, frame.since, frame.state ?? {});
      case 'leave':
        if (!this.seats.has(frame.room)) return this.error('NOT_IN_ROOM', { room: frame.room });
        this.leave(frame.room);
        this.sendJson({ type: 'left', room: frame.room });
        return;
      case 'presence': {
        const seat = this.seats.get(frame.room);
        if (!seat) return this.error('NOT_IN_ROOM', { room: frame.room });
        seat.state = frame.state;
        this.context.presence.set(frame.room, this.member(seat), 'update');
        return;
      }
      case 'send': {
        const seat = this.seats.get(frame.room);
        if (!seat) return this.error('NOT_IN_ROOM', { room: frame.room, ref: frame.id });
        if (seat.access !== 'write') return this.error('READ_ONLY', { room: frame.room, ref: frame.id });
        const { message, duplicate } = await this.context.rooms.append({
          room: frame.room,
          kind: frame.kind,
          senderUserId: this.userId,
          dedupeKey: `${this.userId}:${frame.id}`,
          body: { ...frame.body, name: this.name },
          createdAt: this.context.now(),
        });
        this.sendJson({ type: 'ack', id: frame.id, room: frame.room, seq: message.sequence, duplicate });
        return;
      }
    }
  }

  private async join(room: string, since: number | undefined, state: PresenceState): Promise<void> {
    const current = this.seats.get(room);
    if (current) {
      this.sendJson({ type: 'joined', room, cursor: current.cursor, access: current.access, presence: this.context.presence.members(room) });
      return;
    }
    if (this.seats.size >= this.context.limits.maxRoomsPerConnection) {
      return this.error('TOO_MANY_ROOMS', { room, limit: this.context.limits.maxRoomsPerConnection });
    }
    const access = await this.context.authorize(this.userId, room);
    if (typeof access === 'object') return this.error(access.refused, { room });
    if (this.closed || this.seats.has(room)) return;
    const seat: RoomSeat = {
      room,
      access,
      state,
      // Without `since` a client starts live: it is sent nothing from the history.
      cursor: since ?? -1,
      catchingUp: true,
      send: (message) => this.sendFrame(messageFrame(message)),
      truncated: (first) => this.sendJson({ type: 'truncated', room, first, message: `Messages before ${first} are no longer kept; resuming from ${first}.` }),
    };
    this.seats.set(room, seat);
    let registered = this.context.registry.get(room);
    if (!registered) this.context.registry.set(room, (registered = new Set()));
    registered.add(this);
    try {
      await this.context.rooms.join(seat);
    } catch (error) {
      this.leave(room);
      throw error;
    }
    this.context.presence.set(room, this.member(seat), 'join');
    this.sendJson({ type: 'joined', room, cursor: seat.cursor, access, presence: this.context.presence.members(room) });
  }

  /**
   * Checks every joined room again, after a change of access (a member removed from the seller's
   * organization, a role lowered): a room the user may no longer join is left and answered with
   * the refusal as an error frame; a seat's access follows the new answer (write or read-only).
   * The socket itself stays open. Returns how many rooms were left.
   */
  async reauthorize(): Promise<number> {
    let left = 0;
    for (const [room, seat] of [...this.seats]) {
      const access = await this.context.authorize(this.userId, room);
      if (this.closed || this.seats.get(room) !== seat) continue;
      if (typeof access === 'object') {
        this.leave(room);
        this.error(access.refused, { room }, 'Your access to this room ended (a change of membership or role); you have left it.');
        left += 1;
      } else seat.access = access;
    }
    return left;
  }

  private member(seat: RoomSeat): PresenceMember {
    return { connectionId: this.id, userId: this.userId, name: this.name, state: seat.state };
  }

  private leave(room: string): void {
    const seat = this.seats.get(room);
    if (!seat) return;
    this.seats.delete(room);
    const registered = this.context.registry.get(room);
    registered?.delete(this);
    if (registered?.size === 0) this.context.registry.delete(room);
    this.context.rooms.leave(seat);
    this.context.presence.remove(room, this.id);
  }

  private onClose(): void {
    this.closed = true;
    for (const room of [...this.seats.keys()]) this.leave(room);
  }
}
