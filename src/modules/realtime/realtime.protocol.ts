import { z } from 'zod';

/**
 * The /realtime wire protocol (docs/realtime.md): JSON text frames, one object each, with a
 * `type`. Client frames are validated here; anything else gets an `error` frame and the
 * connection carries on.
 */
export const roomName = z
  .string()
  .max(200)
  .regex(/^(deal|user):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be "deal:<deal id>" or "user:<your user id>"');

const clientMessageId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -');

/** What a participant may say in a room: chat text, or a small app-defined signal. */
// No NUL: PostgreSQL's jsonb cannot store it, and one such message would fail the whole batch it
// was committed with (everyone's messages of that moment).
export const chatBody = z
  .object({ text: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters').regex(/^[^\u0000]*$/, 'must not contain the NUL character') })
  .strict();

export const presenceState = z
  .object({
    /** Where in the document the member is: a field name or a Yjs relative position, app-defined. */
    cursor: z.string().max(200).nullable().optional(),
    typing: z.boolean().optional(),
    /** What the member is looking at (a tab, a section). */
    view: z.string().max(100).nullable().optional(),
  })
  .strict();
export type PresenceState = z.infer<typeof presenceState>;

export const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), room: roomName, since: z.number().int().min(0).optional(), state: presenceState.optional() }).strict(),
  z.object({ type: z.literal('leave'), room: roomName }).strict(),
  z.object({ type: z.literal('send'), room: roomName, id: clientMessageId, kind: z.literal('chat'), body: chatBody }).strict(),
  z.object({ type: z.literal('presence'), room: roomName, state: presenceState }).strict(),
  z.object({ type: z.literal('ping'), id: z.string().max(64).optional() }).strict(),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

export const realtimeErrorCodes = {
  MALFORMED_FRAME: 'The frame is not a JSON object of a known type, or a field is wrong; see `problems`.',
  MESSAGE_TOO_LARGE: 'The frame is larger than the limit; it was dropped.',
  RATE_LIMITED: 'Too many frames; this one was dropped. Slow down.',
  INVALID_ROOM: 'Room names are "deal:<deal id>" or "user:<your user id>".',
  ROOM_NOT_FOUND: 'No such room that you may join.',
  ROOM_FORBIDDEN: 'That room belongs to someone else.',
  NOT_IN_ROOM: 'Join the room first.',
  TOO_MANY_ROOMS: 'A connection may be in a limited number of rooms at once.',
  READ_ONLY: 'You may follow this room but not write to it.',
  INTERNAL: 'The server could not process the frame; retry it.',
} as const;
export type RealtimeErrorCode = keyof typeof realtimeErrorCodes;

export interface RealtimeLimits {
  /** Largest frame the application reads; larger ones get MESSAGE_TOO_LARGE and are dropped. */
  maxFrameBytes: number;
  /** Token bucket per connection: sustained frames per second, and the burst. */
  framesPerSecond: number;
  burst: number;
  maxRoomsPerConnection: number;
  /** Messages kept per room for resume; older ones are trimmed. */
  historyPerRoom: number;
}

export const defaultLimits: RealtimeLimits = {
  maxFrameBytes: 16 * 1024,
  framesPerSecond: 20,
  burst: 40,
  maxRoomsPerConnection: 50,
  historyPerRoom: 1000,
};

/** A frame dropped for flooding costs nothing; this many in a row closes the connection (1008). */
export const floodCloseAfterDrops = 200;

export interface PresenceMember {
  connectionId: string;
  userId: string;
  name: string;
  state: PresenceState;
}

export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(frame)', message: issue.message }));
}
