import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../../platform/config';
import { platformErrors } from '../../../platform/errors';
import { problemResponses } from '../../../platform/http';
import { policy } from '../../../platform/policy';
import { sessionCookieName, type User } from '../../identity';
import {
  confirmTotpBody,
  factorChangedSchema,
  factorParams,
  mfaVerifyBody,
  overviewSchema,
  passkeyLogInBody,
  passkeyOptionsBody,
  recoveryCodesSchema,
  registerPasskeyBody,
  startTotpBody,
  stepUpBody,
  stepUpSchema,
  totpEnrolmentSchema,
  webauthnOptionsSchema,
} from './mfa.schema';
import { freshAuthenticationSeconds, type MfaService, type RequestMeta, type SessionCaller } from './mfa.service';
import type { MfaVerifier } from './mfa.verification';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

const userSchema = z.object({ id: z.uuid(), email: z.string(), displayName: z.string(), createdAt: z.string() });
const loggedInSchema = z.object({ user: userSchema, method: z.string() });

function sessionCaller(request: FastifyRequest): SessionCaller {
  const auth = request.auth;
  if (!auth?.userId || !auth.sessionId) throw platformErrors.UNAUTHENTICATED('Log in (with a browser session, not an API key) to manage your security settings.');
  return { userId: auth.userId, sessionId: auth.sessionId, mfaVerifiedAt: auth.mfaVerifiedAt ?? null };
}

function metaOf(request: FastifyRequest): RequestMeta {
  return { ip: request.ip, requestId: request.id, userAgent: request.headers['user-agent'] };
}

/** Binds a passwordless log-in's session to the browser's device (the devices area; sets its cookie). */
export type PasswordlessDevice = (user: User, request: FastifyRequest, reply: FastifyReply) => Promise<string | null>;

export function mfaRoutes(mfa: MfaService, verifier: MfaVerifier, config: Config, passwordlessDevice?: PasswordlessDevice): FastifyPluginAsync {
  const secureCookie = config.PUBLIC_URL.startsWith('https:');
  const setSessionCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
    // The same cookie identity's log-in sets (identity.routes.ts): one session mechanism.
    reply.setCookie(sessionCookieName, token, { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/', expires: expiresAt });
  const authRateLimit = { rateLimit: { max: config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['security'];
    // REAUTHENTICATION_REQUIRED is a step-up challenge like the gateway's: say so in the header.
    app.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode === 401 && typeof payload === 'string' && payload.includes('"code":"REAUTHENTICATION_REQUIRED"')) {
        reply.header('www-authenticate', `DomusStepUp max_age=${freshAuthenticationSeconds}`);
      }
      return payload;
    });

    app.get('/security/mfa', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Your second factors, recovery-code counts and the methods you can log in with', response: { 200: overviewSchema, ...problemResponses(401) } },
    }, async (request) => mfa.overview(sessionCaller(request).userId));

    app.post('/security/mfa/totp', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Start enrolling an authenticator app (fresh authentication); answers the otpauth:// URI for the QR code', body: startTotpBody, response: { 201: totpEnrolmentSchema, ...problemResponses(400, 401) } },
    }, async (request, reply) => {
      const enrolment = await mfa.startTotp(sessionCaller(request), request.body, metaOf(request));
      return noStore(reply).code(201).send(enrolment);
    });

    app.post('/security/mfa/totp/:factorId/confirm', {
      config: { ...authRateLimit, policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Confirm an authenticator app with its first code; ends your other sessions', params: factorParams, body: confirmTotpBody, response: { 200: factorChangedSchema, ...problemResponses(400, 401, 404, 409, 410, 429) } },
    }, async (request, reply) => {
      const result = await mfa.confirmTotp(sessionCaller(request), request.params.factorId, request.body.code, metaOf(request));
      return noStore(reply).send(result);
    });

    app.delete('/security/mfa/factors/:factorId', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Remove a factor (fresh authentication); ends your other sessions', params: factorParams, response: { 200: z.object({ endedSessions: z.number().int() }), ...problemResponses(400, 401, 404) } },
    }, async (request) => mfa.removeFactor(sessionCaller(request), request.params.factorId, metaOf(request)));

    app.post('/security/mfa/recovery-codes', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Generate 10 new recovery codes, shown once (fresh authentication); the old set stops working', response: { 201: recoveryCodesSchema, ...problemResponses(400, 401) } },
    }, async (request, reply) => noStore(reply).code(201).send(await mfa.regenerateRecoveryCodes(sessionCaller(request), metaOf(request))));

    app.post('/security/passkeys/registration/options', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Options to register a passkey (fresh authentication); the challenge expires in 5 minutes', response: { 200: webauthnOptionsSchema, ...problemResponses(401) } },
    }, async (request, reply) => noStore(reply).send(await mfa.passkeyRegistrationOptions(sessionCaller(request))));

    app.post('/security/passkeys/registration', {
      config: { policy: policy.self("the caller's own factors; changes need fresh authentication (checked by the MFA service)") },
      schema: { tags, summary: 'Register a passkey from the browser response; ends your other sessions', body: registerPasskeyBody, response: { 201: factorChangedSchema, ...problemResponses(400, 401, 409) } },
    }, async (request, reply) => {
      const result = await mfa.registerPasskey(sessionCaller(request), request.body.response as RegistrationResponseJSON, request.body.label, metaOf(request));
      return noStore(reply).code(201).send(result);
    });

    app.post('/security/passkeys/authentication/options', {
      config: { ...authRateLimit, policy: policy.public('login: anyone; second_factor: the holder of the mfaToken from the password step; step_up: the session (both checked by the MFA service)') },
      schema: { tags, summary: 'Options to sign with a passkey: passwordless log-in, the log-in second factor (with mfaToken) or step-up (session)', body: passkeyOptionsBody, response: { 200: webauthnOptionsSchema, ...problemResponses(400, 401, 429) } },
    }, async (request, reply) => {
      const { purpose, mfaToken } = request.body;
      const userId =
        purpose === 'login' ? null : purpose === 'step_up' ? sessionCaller(request).userId : await verifier.pendingUser(mfaToken as string);
      return noStore(reply).send(await mfa.passkeys.authenticationOptions(purpose, userId));
    });

    app.post('/security/passkeys/login', {
      config: { ...authRateLimit, policy: policy.public('anyone holding a registered passkey; the signature names the account') },
      schema: { tags, summary: 'Log in with a passkey, without a password; the session counts as MFA-verified', body: passkeyLogInBody, response: { 200: loggedInSchema, ...problemResponses(400, 401, 429) } },
    }, async (request, reply) => {
      const { user, session } = await verifier.passkeyLogIn(
        request.body.response as AuthenticationResponseJSON,
        metaOf(request),
        passwordlessDevice ? (verified) => passwordlessDevice(verified, request, reply) : undefined,
      );
      setSessionCookie(reply, session.token, session.expiresAt);
      return { user, method: 'passkey' };
    });

    app.post('/security/mfa/verify', {
      config: { ...authRateLimit, policy: policy.public('the holder of the mfaToken from the password step, with a factor of that account') },
      schema: { tags, summary: 'Second step of a log-in that answered mfa_required: a TOTP code, a recovery code or a passkey assertion', body: mfaVerifyBody, response: { 200: loggedInSchema, ...problemResponses(400, 401, 429) } },
    }, async (request, reply) => {
      const { mfaToken, ...proof } = request.body;
      const { user, session, method } = await verifier.completeLogIn(mfaToken, { ...proof, webauthn: proof.webauthn as AuthenticationResponseJSON | undefined }, metaOf(request));
      setSessionCookie(reply, session.token, session.expiresAt);
      return { user, method };
    });

    app.post('/security/step-up', {
      config: { ...authRateLimit, policy: policy.self("the caller's own session and factors") },
      schema: { tags, summary: 'Prove a factor for the current session (sets its MFA time); the password only for an account without factors', body: stepUpBody, response: { 200: stepUpSchema, ...problemResponses(400, 401, 429) } },
    }, async (request) => {
      const proof = request.body;
      return verifier.stepUp(sessionCaller(request), { ...proof, webauthn: proof.webauthn as AuthenticationResponseJSON | undefined }, metaOf(request));
    });
  };
}
