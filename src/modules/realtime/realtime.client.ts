import { WebSocket } from 'ws';

/** A frame the server sends (docs/realtime.md). */
export type ServerFrame = { type: string; room?: string; seq?: number; id?: string; code?: string; [key: string]: unknown };

export interface ResumableClientOptions {
  /** ws:// URLs of the nodes; the client moves to the next one when a connection drops. */
  urls: string[];
  headers?: Record<string, string>;
  onFrame?: (frame: ServerFrame) => void;
  reconnectDelayMs?: number;
}

/**
 * A Node client of the /realtime protocol that never loses or repeats a room message: it remembers
 * the last sequence of each room and rejoins with it after any disconnect (on whichever node
 * answers), and it resends unacknowledged messages under the same client id until acked — the
 * server deduplicates them. Used by the tests and the benchmark; the web app's client
 * (web/src/realtime) follows the same rules.
 */
export class ResumableClient {
  readonly cursors = new Map<string, number>();
  readonly messages: ServerFrame[] = [];
  readonly frames: ServerFrame[] = [];
  private readonly outbox = new Map<string, object>();
  private socket: WebSocket | null = null;
  private urlIndex = 0;
  private closed = false;
  private waiters: Array<{ test: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }> = [];
  connects = 0;

  constructor(private readonly options: ResumableClientOptions) {}

  async connect(): Promise<void> {
    for (;;) {
      try {
        await this.open();
        return;
      } catch (error) {
        if (this.closed) throw error;
        this.urlIndex += 1;
        await new Promise((resolve) => setTimeout(resolve, this.options.reconnectDelayMs ?? 100));
      }
    }
  }

  private open(): Promise<void> {
    const url = this.options.urls[this.urlIndex % this.options.urls.length]!;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: this.options.headers });
      socket.once('error', reject);
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        this.socket = socket;
        this.connects += 1;
        // Rejoin first; unacknowledged messages of a room are resent once it is joined again.
        for (const [room, cursor] of this.cursors) this.raw({ type: 'join', room, since: cursor });
        resolve();
      });
      socket.on('message', (data) => this.receive(JSON.parse(data.toString()) as ServerFrame));
      // Only an opened socket reconnects on close; a failed attempt is retried by connect()'s own
      // loop (listening here too started a second loop per failure, and their number doubled).
      socket.once('open', () =>
        socket.on('close', () => {
          if (this.socket === socket) this.socket = null;
          if (!this.closed) {
            this.urlIndex += 1;
            setTimeout(() => void this.connect().catch(() => undefined), this.options.reconnectDelayMs ?? 100);
          }
        }),
      );
    });
  }

  private receive(frame: ServerFrame): void {
    this.frames.push(frame);
    if (frame.type === 'message' && frame.room && typeof frame.seq === 'number') {
      const cursor = this.cursors.get(frame.room) ?? 0;
      if (frame.seq <= cursor) return; // never shown twice, whatever the server sends
      this.cursors.set(frame.room, frame.seq);
      this.messages.push(frame);
    }
    if (frame.type === 'truncated' && frame.room) this.cursors.set(frame.room, Math.max(this.cursors.get(frame.room) ?? 0, Number(frame.first) - 1));
    if (frame.type === 'ack' && frame.id) this.outbox.delete(frame.id);
    if (frame.type === 'joined' && frame.room) {
      for (const pending of this.outbox.values()) if ((pending as { room?: string }).room === frame.room) this.raw(pending);
    }
    this.options.onFrame?.(frame);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(frame)) return true;
      waiter.resolve(frame);
      return false;
    });
  }

  /** Joins a room from its start (since 0) or from `since`, and keeps it across reconnects. */
  join(room: string, since = 0, state?: object): Promise<ServerFrame> {
    this.cursors.set(room, since);
    const answer = this.next((frame) => frame.room === room && (frame.type === 'joined' || frame.type === 'error'));
    this.raw({ type: 'join', room, since, ...(state ? { state } : {}) });
    return answer;
  }

  /** Sends a chat message and resolves with its ack (resent after reconnects until acked). */
  say(room: string, id: string, text: string): Promise<ServerFrame> {
    const frame = { type: 'send', room, id, kind: 'chat', body: { text } };
    this.outbox.set(id, frame);
    // NOT_IN_ROOM can answer a message sent while the socket was rejoining: it is resent after `joined`.
    const answer = this.next((reply) => (reply.id === id && reply.type === 'ack') || (reply.ref === id && reply.type === 'error' && reply.code !== 'NOT_IN_ROOM'));
    this.raw(frame);
    return answer;
  }

  raw(frame: object | string | Buffer): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  next(test: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching frame arrived')), timeoutMs);
      this.waiters.push({ test, resolve: (frame) => { clearTimeout(timer); resolve(frame); } });
    });
  }

  /** Waits until `count` messages of the room have arrived. */
  async messagesIn(room: string, count: number, timeoutMs = 15_000): Promise<ServerFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.filter((frame) => frame.room === room).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.messages.filter((frame) => frame.room === room).length} of ${count} messages arrived in ${room}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.messages.filter((frame) => frame.room === room);
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Drops the connection as a network failure would (the client reconnects by itself). */
  drop(): void {
    this.socket?.terminate();
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}
