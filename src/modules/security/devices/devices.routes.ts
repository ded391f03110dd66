import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema, problemResponses } from '../../../platform/http';
import { policy } from '../../../platform/policy';
import { requireUser } from '../../identity';
import { riskErrors } from '../risk/risk.errors';
import { deviceParams, deviceSchema, sessionParams } from '../risk/risk.schema';
import { requestFacts, type RecordAudit } from '../security.audit';
import type { DevicesService, SessionDirectory } from './devices.service';

/** The caller's own devices and sessions: list, revoke a device, end a session. */
export function devicesRoutes(devices: DevicesService, sessions: SessionDirectory, audit: RecordAudit): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['security'];

    app.get('/me/devices', {
      config: { policy: policy.self("the caller's own devices and sessions") },
      schema: { tags, summary: 'Your devices (browsers and apps) with their sessions, last use and place', response: { 200: pageSchema(deviceSchema), ...problemResponses(401) } },
    }, async (request) => {
      const userId = requireUser(request.auth);
      const items = await devices.list(userId, sessions, { sessionId: request.auth?.sessionId ?? null, deviceId: request.auth?.deviceId ?? null });
      return { items, nextCursor: null };
    });

    app.delete('/me/devices/:deviceId', {
      config: { policy: policy.self("the caller's own devices; a device id of someone else answers 404", { sensitive: true }) },
      schema: { tags, summary: 'Revoke a device: it is no longer trusted and its sessions end', params: deviceParams, response: { 200: z.object({ endedSessions: z.number().int() }), ...problemResponses(400, 401, 404) } },
    }, async (request) => devices.revoke(requireUser(request.auth), request.params.deviceId, sessions, request));

    app.delete('/me/sessions/:sessionId', {
      config: { policy: policy.self("the caller's own sessions; another person's session id answers 404") },
      schema: { tags, summary: 'End one of your sessions', params: sessionParams, response: { 204: z.null(), ...problemResponses(400, 401, 404) } },
    }, async (request, reply) => {
      const userId = requireUser(request.auth);
      if (!(await sessions.revokeUserSession(userId, request.params.sessionId))) {
        throw riskErrors.SESSION_NOT_FOUND('You have no active session with this id.');
      }
      await audit({ action: 'security.session.revoked', outcome: 'success', actor: { type: 'user', id: userId }, target: { type: 'session', id: request.params.sessionId.slice(0, 16) }, ...requestFacts(request) });
      return reply.code(204).send(null);
    });
  };
}
