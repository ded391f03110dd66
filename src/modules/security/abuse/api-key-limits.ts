import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock';
import { riskErrors } from '../risk/risk.errors';
import type { RiskService } from '../risk/risk.service';
import type { AbuseStore } from './abuse.store';

const windowMs = 60_000;

/**
 * Rate limits per API key, set by the organization's plan (basic / pro / enterprise) or an
 * override in its security settings. Fixed one-minute windows on the injected clock, counted in
 * the abuse store (Redis when configured, so every node shares them). Our own counters rather than
 * @fastify/rate-limit because the limit depends on the key's organization, known only after
 * authentication, and because the clock must be the injected one.
 */
export class ApiKeyLimiter {
  constructor(
    private readonly store: AbuseStore,
    private readonly risk: RiskService,
    private readonly clock: Clock,
  ) {}

  async limit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = request.auth?.apiKey;
    if (!key) return;
    const settings = await this.risk.cachedSettings(key.organizationId);
    const now = this.clock.now().getTime();
    const windowStart = now - (now % windowMs);
    const count = await this.store.hit(`api-key:${key.id}`, new Date(windowStart), windowMs);
    const limit = settings.apiKeyRequestsPerMinute;
    const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    reply.header('x-ratelimit-limit', String(limit));
    reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (count > limit) {
      reply.header('retry-after', String(resetSeconds));
      throw riskErrors.API_KEY_RATE_LIMITED(
        `This API key may make ${limit} requests a minute on the ${settings.plan} plan; try again in ${resetSeconds} s or ask for a higher plan.`,
        [],
        { limit, plan: settings.plan, retryAfterSeconds: resetSeconds },
      );
    }
  }
}
