import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../../../platform/http';
import { policy } from '../../../platform/policy';
import type { PrivacyService } from './privacy.service';

/** ISO 13616 IBAN: country, check digits, then the national number; the mod-97 remainder must be 1. */
export function isValidIban(value: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(value)) return false;
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const digits = /[A-Z]/.test(character) ? String(character.charCodeAt(0) - 55) : character;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const iban = z
  .string()
  .max(60)
  .transform((value) => value.replace(/\s+/g, '').toUpperCase())
  .refine(isValidIban, 'must be a valid IBAN (country code, check digits and account number; the check digits must match)');
const documentNumber = z
  .string()
  .max(40)
  .transform((value) => value.trim().toUpperCase())
  .refine((value) => /^[A-Z0-9<-]{5,20}$/.test(value), 'must be 5 to 20 letters, digits, "<" or "-"');

const personalDataBody = z
  .object({ identityDocumentNumber: documentNumber.nullable().optional(), iban: iban.nullable().optional() })
  .strict()
  .refine((value) => value.identityDocumentNumber !== undefined || value.iban !== undefined, 'send identityDocumentNumber, iban or both');
const personalDataSchema = z.object({ identityDocumentNumber: z.string().nullable(), iban: z.string().nullable(), updatedAt: z.string().nullable() });
const erasureBody = z.object({ confirm: z.literal('ERASE MY ACCOUNT', 'must be exactly "ERASE MY ACCOUNT"') }).strict();

/** /me/personal-data, /me/data-export, /me/erasure (docs/security.md, Privacy). */
export function privacyRoutes(service: PrivacyService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['security'];
    // Bank details and identity documents change money flows: a second factor within five minutes.
    const fresh = { stepUp: { maxAgeSeconds: 300 }, sensitive: true };
    const client = (request: { ip: string; id: string }) => ({ ip: request.ip, requestId: request.id });

    app.get('/me/personal-data', {
      config: { policy: policy.self("the caller's own personal data, masked to the last four characters") },
      schema: { tags, summary: 'Your identity document number and IBAN, masked', response: { 200: personalDataSchema, ...problemResponses(401, 409) } },
    }, async (request) => service.view(request.auth?.userId as string));

    app.put('/me/personal-data', {
      config: { policy: policy.self("the caller's own personal data", fresh) },
      schema: { tags, summary: 'Set your identity document number and/or IBAN (stored encrypted; needs a recent second factor)', body: personalDataBody, response: { 200: personalDataSchema, ...problemResponses(400, 401, 403) } },
    }, async (request) => service.update(request.auth as NonNullable<typeof request.auth>, request.body, client(request)));

    app.get('/me/data-export', {
      config: { policy: policy.self('everything Domus holds on the caller', fresh) },
      schema: { tags, summary: 'Export all your data as JSON (GDPR Art. 15/20; needs a recent second factor)', response: { 200: z.record(z.string(), z.unknown()), ...problemResponses(401, 403) } },
    }, async (request, reply) => {
      const document = await service.exportPerson(request.auth as NonNullable<typeof request.auth>, client(request));
      return reply.header('cache-control', 'no-store').header('content-disposition', 'attachment; filename="domus-export.json"').send(document);
    });

    app.post('/me/erasure', {
      config: { policy: policy.self("the caller's own account", fresh) },
      schema: { tags, summary: 'Erase your account: personal data deleted, records kept under a pseudonym (GDPR Art. 17)', body: erasureBody, response: { 200: z.object({ erasedAt: z.string() }), ...problemResponses(400, 401, 403, 409) } },
    }, async (request, reply) => {
      const result = await service.erase(request.auth as NonNullable<typeof request.auth>, client(request));
      reply.clearCookie('domus_session', { path: '/' });
      return result;
    });
  };
}
