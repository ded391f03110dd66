import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../platform/clock';
import { problemResponses } from '../../platform/http';
import { policy } from '../../platform/policy';
import { requireUser } from '../identity';
import type { RealtimeTokens } from './realtime.tokens';

const tokenSchema = z.object({
  token: z.string().describe('Pass as ?token= when opening /realtime or /realtime/yjs/<deal id>'),
  expiresAt: z.string().describe('Connect before this instant; an open connection is not cut at it'),
});

/** POST /api/v1/realtime/tokens: a one-minute connect token for the signed-in user. */
export function realtimeRoutes(tokens: RealtimeTokens, clock: Clock): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    app.post('/realtime/tokens', {
      config: { policy: policy.self('a connect token for the signed-in person themself; rooms are still checked when joined') },
      schema: {
        tags: ['realtime'],
        summary: 'A short-lived token to open the realtime WebSocket without the session cookie (people only, not API keys)',
        response: { 201: tokenSchema, ...problemResponses(401) },
      },
    }, async (request, reply) => {
      const userId = requireUser(request.auth);
      return reply.code(201).send(tokens.issue(userId, clock.now()));
    });
  };
}
