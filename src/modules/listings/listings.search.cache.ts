import type { Clock } from '../../platform/clock';

/**
 * A micro-cache of public search answers as serialized JSON, keyed by the normalised request.
 * Map pages are asked for over and over (every visitor of a city page, every reload); answering
 * them from memory for a couple of seconds spares the database and the serialisation of twenty
 * listings with their properties and photos. Any write through this module clears it, so an agent
 * sees their own change at once, and tells the other nodes over the event bus to clear theirs; should
 * that message be lost (the bus is at-most-once), a stale answer still lives at most `ttlMs`
 * (docs/listings.md).
 */
export class SearchCache {
  // Bodies are kept as UTF-8 bytes: re-encoding a 30 kB string on every hit was the largest cost.
  private readonly entries = new Map<string, { body: Buffer; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 2_000,
    private readonly maxEntries = 1_000,
    /** Called after a local write cleared the cache (to tell the other nodes). */
    private readonly onClear?: () => void,
  ) {}

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.body;
  }

  /** Pass back `currentGeneration` read before the search ran: an answer that raced a write is not kept. */
  get currentGeneration(): number {
    return this.generation;
  }

  set(key: string, body: Buffer, generation: number): void {
    if (this.ttlMs <= 0 || generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { body, expiresAt: this.clock.now().getTime() + this.ttlMs });
  }

  /** After a write on this node: clear here and notify the other nodes. */
  clear(): void {
    this.clearLocal();
    this.onClear?.();
  }

  /** On another node's notice. */
  clearLocal(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
