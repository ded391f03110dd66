import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../platform/clock';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { AccessChange } from '../identity';
import { Connection, type ConnectionContext } from './realtime.connection';
import type { DocumentHub } from './realtime.yjs';
import type { RealtimeTokens } from './realtime.tokens';

/** The person behind a handshake, resolved from the session cookie or a connect token. */
export interface RealtimeCaller {
  userId: string;
  name: string;
}

export interface GatewayDependencies {
  context: ConnectionContext;
  documents: DocumentHub;
  tokens: RealtimeTokens;
  clock: Clock;
  logger: Logger;
  /** The session cookie's user and session (a device-bound session only with its device cookie), or null. */
  sessionUser(request: IncomingMessage): Promise<{ userId: string; sessionId: string | null } | null>;
  /** Whether a session is still active, from the database: re-checked when access changes. */
  sessionStillActive(sessionId: string): Promise<boolean>;
  displayName(userId: string): Promise<string>;
  /** May this user open the deal's shared document? */
  mayOpenDocument(userId: string, dealId: string): Promise<boolean>;
  /** Browser origins besides the server's own that may connect with the session cookie. */
  allowedOrigins: string[];
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * WebSocket endpoints on the main HTTP port: /realtime (rooms, presence, chat, deal events,
 * alerts; docs/realtime.md) and /realtime/yjs/<deal id> (the deal's shared offer document in the
 * y-websocket protocol). A refused handshake gets a plain HTTP problem+json answer and no socket.
 */
export class RealtimeGateway {
  // Frames above 1 MiB are cut off by ws itself (close 1009); the application limit is far lower
  // and answered with an error frame instead, so the connection survives an oversized message.
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false, clientTracking: true });

  /** Who each open socket acts for: a session (cookie) or a connect token (sessionId null). */
  private readonly holders = new Map<WebSocket, { userId: string; sessionId: string | null; connection?: Connection }>();

  constructor(private readonly deps: GatewayDependencies) {}

  /**
   * Zero trust for long-lived connections: when access changes (log-out, a revoked session or
   * device, a factor change ending other sessions, erasure — identity's `identity.access.changed`,
   * heard by every node), the sockets of the sessions concerned are re-checked against the
   * database and closed with 4401 when their session ended; sockets opened with a connect token
   * for a user named in the change are closed too (they reconnect with a fresh token, which needs
   * a live session). Without this a socket would outlive the log-out that ended its session.
   */
  async accessChanged(change: AccessChange): Promise<number> {
    const sessions = new Set(change.sessions ?? []);
    const users = new Set(change.users ?? []);
    const members = new Set((change.memberships ?? []).map((membership) => membership.userId));
    if (sessions.size === 0 && users.size === 0 && members.size === 0) return 0;
    const verdicts = new Map<string, Promise<boolean>>();
    let closed = 0;
    for (const [ws, holder] of [...this.holders]) {
      let ended: boolean;
      if (holder.sessionId === null) ended = users.has(holder.userId);
      else if (sessions.has(holder.sessionId) || users.has(holder.userId)) {
        let verdict = verdicts.get(holder.sessionId);
        if (!verdict) {
          verdict = this.deps.sessionStillActive(holder.sessionId).catch(() => true); // a failed check keeps the socket; the next change re-checks
          verdicts.set(holder.sessionId, verdict);
        }
        ended = !(await verdict);
      } else continue;
      if (ended) {
        closed += 1;
        this.holders.delete(ws);
        ws.close(4401, 'your session ended: log in again');
      }
    }
    // Sockets that stay open: rooms joined before a membership or role change are checked again.
    for (const holder of this.holders.values()) {
      if (holder.connection && (members.has(holder.userId) || users.has(holder.userId))) {
        await holder.connection.reauthorize().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'realtime: re-authorizing rooms failed'));
      }
    }
    return closed;
  }

  private hold(ws: WebSocket, holder: { userId: string; sessionId: string | null; connection?: Connection }): void {
    this.holders.set(ws, holder);
    ws.once('close', () => this.holders.delete(ws));
  }

  attach(app: FastifyInstance): void {
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== '/realtime' && !url.pathname.startsWith('/realtime/')) return refuse(socket, 404, 'NOT_FOUND', `No WebSocket endpoint at ${url.pathname}.`);
      this.upgrade(request, socket, head, url).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'realtime handshake failed');
        refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'The realtime gateway could not accept the connection; retry.');
      });
    });
    // Before the HTTP server waits for its connections: sockets are told to reconnect elsewhere.
    app.addHook('preClose', async () => this.close());
  }

  get connectionCount(): number {
    return this.server.clients.size;
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    socket.on('error', () => undefined);
    const documentMatch = /^\/realtime\/yjs\/([^/]+)$/.exec(url.pathname);
    if (url.pathname !== '/realtime' && !documentMatch) return refuse(socket, 404, 'NOT_FOUND', `No WebSocket endpoint at ${url.pathname}; use /realtime or /realtime/yjs/<deal id>.`);
    if (documentMatch && !uuid.test(documentMatch[1]!)) return refuse(socket, 404, 'DOCUMENT_NOT_FOUND', 'Shared documents are at /realtime/yjs/<deal id>.');
    const holder = await this.caller(request, url);
    if (holder === 'forbidden-origin') return refuse(socket, 403, 'ORIGIN_NOT_ALLOWED', 'This origin may not connect with the session cookie; use a connect token (POST /api/v1/realtime/tokens).');
    if (!holder) return refuse(socket, 401, 'UNAUTHENTICATED', 'Log in (session cookie) or pass ?token= from POST /api/v1/realtime/tokens.');
    const { userId } = holder;
    if (documentMatch) {
      const dealId = documentMatch[1]!;
      if (!(await this.deps.mayOpenDocument(userId, dealId))) return refuse(socket, 404, 'DOCUMENT_NOT_FOUND', `No deal ${dealId} that you take part in.`);
      this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
        ws.on('error', () => undefined);
        this.hold(ws, holder);
        void this.deps.documents.connect(`deal:${dealId}`, ws);
      });
      return;
    }
    const name = await this.deps.displayName(userId);
    this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      this.hold(ws, { ...holder, connection: new Connection(newId(), userId, name, ws, this.deps.context) });
    });
  }

  private async caller(request: IncomingMessage, url: URL): Promise<{ userId: string; sessionId: string | null } | null | 'forbidden-origin'> {
    const token = url.searchParams.get('token');
    if (token) {
      const userId = this.deps.tokens.verify(token, this.deps.clock.now());
      return userId ? { userId, sessionId: null } : null;
    }
    // A browser sends the cookie with any page's WebSocket: only our own pages may use it.
    const origin = request.headers.origin;
    if (origin && !this.originAllowed(origin, request.headers.host)) return 'forbidden-origin';
    return this.deps.sessionUser(request);
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.deps.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.close(1012, 'server restarting: reconnect and resume');
    await this.deps.documents.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function refuse(socket: Duplex, status: number, code: string, detail: string): void {
  const titles: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };
  const body = JSON.stringify({ type: `https://domus.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`, title: titles[status], status, code, detail });
  socket.end(
    `HTTP/1.1 ${status} ${titles[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
