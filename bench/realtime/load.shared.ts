/** What the realtime benchmark's orchestrator and its load processes (load.ts) exchange. */
export interface RoomAssignment {
  room: string;
  /** One entry per member; member 0 sends. `cookie` is Domus's session cookie. */
  members: { port: number; node: number; cookie?: string }[];
}

export type LoadCommand =
  | { cmd: 'connect'; mode: 'domus' | 'socketio'; rooms: RoomAssignment[] }
  | { cmd: 'drive'; level: number; sendsPerSecond: number; seconds: number; drainMs: number }
  | { cmd: 'close' };

export interface Histogram {
  /** Non-empty buckets as [bucket index, count]; see bucketOf(). */
  buckets: [number, number][];
  count: number;
}

export interface DriveResult {
  sent: number;
  sendWindowSeconds: number;
  /** Messages of this level received by their room's members before the drain ended. */
  delivered: number;
  expected: number;
  acked: number;
  sameNode: Histogram;
  crossNode: Histogram;
  errors: number;
}

/** 0.05 ms buckets up to 1 s, then 5 ms buckets up to 60 s. */
export function bucketOf(ms: number): number {
  if (ms < 0) return 0;
  if (ms < 1000) return Math.floor(ms * 20);
  return 20_000 + Math.min(11_800, Math.floor((ms - 1000) / 5));
}
export function bucketUpper(bucket: number): number {
  return bucket < 20_000 ? (bucket + 1) / 20 : 1000 + (bucket - 20_000 + 1) * 5;
}

