import type { FastifyRequest } from 'fastify';

/**
 * What the devices, risk and abuse areas record in the platform audit log. Structurally the
 * subset of `platform.audit`'s event the areas use, so they are testable without the log.
 */
export interface SecurityAuditEvent {
  action: string;
  outcome?: 'success' | 'failure' | 'denied';
  actor?: { type: 'user' | 'api_key' | 'service' | 'system' | 'anonymous'; id: string | null };
  target?: { type: string; id: string } | null;
  organizationId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export type RecordAudit = (event: SecurityAuditEvent) => Promise<void>;

/** The IP and request id of an exchange, for an audit entry. */
export function requestFacts(request: FastifyRequest): { ip: string; requestId: string } {
  return { ip: request.ip, requestId: request.id };
}
