/**
 * A small background-job runner persisted in the database (the platform has none yet): jobs are
 * rows of valuation_jobs; any node claims the oldest queued one with SKIP LOCKED, runs it one at
 * a time, and records the result or the error. A running job's node refreshes its heartbeat; a
 * job whose node stopped is queued again (three attempts at most). Enqueueing wakes the local
 * runner at once; other nodes find queued work on their next poll.
 */
import type { Clock } from '../../platform/clock';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { JobRow, ValuationRepository } from './valuation.repository';

export type JobHandler = (job: JobRow, progress: (fraction: number) => Promise<void>) => Promise<Record<string, unknown>>;

const POLL_MS = 2_000;
const STALE_MS = 120_000;

export class JobRunner {
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: { repository: ValuationRepository; clock: Clock; logger: Logger; nodeId: string; handlers: Record<JobRow['kind'], JobHandler> },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  async enqueue(kind: JobRow['kind'], input: Record<string, unknown>, meta: { organizationId?: string | null; userId?: string | null } = {}): Promise<JobRow> {
    const row: JobRow = {
      id: newId(),
      kind,
      status: 'queued',
      input,
      result: null,
      error: null,
      progress: 0,
      organization_id: meta.organizationId ?? null,
      created_by: meta.userId ?? null,
      locked_by: null,
      heartbeat_at: null,
      attempts: 0,
      created_at: this.deps.clock.now(),
      started_at: null,
      finished_at: null,
    };
    await this.deps.repository.insertJob(row);
    this.kick();
    return row;
  }

  /** Runs queued jobs until none is left; a second call while running joins the first. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.drain()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'valuation job runner failed'))
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  /** Resolves when this node has no job running (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async drain(): Promise<void> {
    const { repository, clock, nodeId } = this.deps;
    await repository.requeueStale(new Date(clock.now().getTime() - STALE_MS));
    for (;;) {
      if (this.stopped) return;
      const job = await repository.claimJob(nodeId, clock.now());
      if (!job) return;
      await this.run(job);
    }
  }

  private async run(job: JobRow): Promise<void> {
    const { repository, clock, logger } = this.deps;
    const handler = this.deps.handlers[job.kind];
    const progress = async (fraction: number) => {
      await repository.updateJob(job.id, { progress: Math.max(0, Math.min(1, fraction)), heartbeat_at: clock.now() });
    };
    try {
      const result = await handler(job, progress);
      await repository.updateJob(job.id, { status: 'succeeded', result, progress: 1, finished_at: clock.now(), locked_by: null });
    } catch (error) {
      logger.warn({ err: error, jobId: job.id, kind: job.kind }, 'valuation job failed');
      await repository.updateJob(job.id, { status: 'failed', error: error instanceof Error ? error.message : String(error), finished_at: clock.now(), locked_by: null });
    }
  }
}
