import { z } from 'zod';

const base64url = z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** What the browser's navigator.credentials.create() gives (as @simplewebauthn/browser serialises it). */
export const registrationResponseSchema = z
  .object({
    id: base64url.max(1_400),
    rawId: base64url.max(1_400),
    type: z.literal('public-key'),
    response: z
      .object({
        clientDataJSON: base64url,
        attestationObject: base64url,
        transports: z.array(z.string().max(32)).max(10).optional(),
      })
      .loose(),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();

/** What navigator.credentials.get() gives. */
export const authenticationResponseSchema = z
  .object({
    id: base64url.max(1_400),
    rawId: base64url.max(1_400),
    type: z.literal('public-key'),
    response: z
      .object({
        clientDataJSON: base64url,
        authenticatorData: base64url,
        signature: base64url,
        userHandle: base64url.optional(),
      })
      .loose(),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();

const totpCode = z.string().trim().regex(/^\d{6,8}$/, 'must be the 6-digit code from your authenticator app');
const recoveryCode = z.string().trim().min(10).max(20);

const exactlyOne = (keys: string[]) => (value: Record<string, unknown>) => keys.filter((key) => value[key] !== undefined).length === 1;
const proofKeys = ['totpCode', 'recoveryCode', 'webauthn'];

export const factorProofFields = {
  totpCode: totpCode.optional(),
  recoveryCode: recoveryCode.optional(),
  webauthn: authenticationResponseSchema.optional(),
};

export const mfaVerifyBody = z
  .object({ mfaToken: z.string().min(20).max(100), ...factorProofFields })
  .strict()
  .refine(exactlyOne(proofKeys), { message: 'send exactly one of totpCode, recoveryCode or webauthn', path: ['totpCode'] });

export const stepUpBody = z
  .object({ password: z.string().min(1).max(200).optional(), ...factorProofFields })
  .strict()
  .refine(exactlyOne(['password', ...proofKeys]), { message: 'send exactly one of password, totpCode, recoveryCode or webauthn', path: ['totpCode'] });

export const startTotpBody = z
  .object({
    label: z.string().trim().min(1).max(60).default('Authenticator app'),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha1').describe('SHA1 is what most authenticator apps support'),
  })
  .strict()
  .default({ label: 'Authenticator app', algorithm: 'sha1' });

export const confirmTotpBody = z.object({ code: totpCode }).strict();
export const factorParams = z.object({ factorId: z.uuid() }).strict();

export const registerPasskeyBody = z
  .object({ response: registrationResponseSchema, label: z.string().trim().min(1).max(60).default('Passkey') })
  .strict();

export const passkeyOptionsBody = z
  .object({
    purpose: z.enum(['login', 'second_factor', 'step_up']),
    mfaToken: z.string().min(20).max(100).optional().describe('Required for second_factor: the token from the password step'),
  })
  .strict()
  .refine((value) => value.purpose !== 'second_factor' || value.mfaToken !== undefined, { message: 'is required for purpose second_factor', path: ['mfaToken'] });

export const passkeyLogInBody = z.object({ response: authenticationResponseSchema }).strict();

const methodSchema = z.enum(['totp', 'passkey', 'recovery_code']);

export const factorSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['totp', 'passkey']),
  label: z.string(),
  status: z.enum(['pending', 'active']),
  createdAt: z.string(),
  confirmedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  algorithm: z.enum(['sha1', 'sha256', 'sha512']).nullable(),
  backedUp: z.boolean().nullable(),
});

export const overviewSchema = z.object({
  factors: z.array(factorSchema),
  recoveryCodes: z.object({ total: z.number().int(), unused: z.number().int() }),
  methods: z.array(methodSchema),
});

export const totpEnrolmentSchema = z.object({
  factorId: z.uuid(),
  otpauthUri: z.string().describe('Show as a QR code; the secret is also shown for typing in'),
  secret: z.string().describe('Base32'),
  algorithm: z.enum(['sha1', 'sha256', 'sha512']),
  digits: z.number().int(),
  period: z.number().int(),
  expiresAt: z.string(),
});

export const factorChangedSchema = z.object({
  factor: factorSchema.nullable(),
  recoveryCodes: z.array(z.string()).nullable().describe('Shown once: present when this was the first factor'),
  endedSessions: z.number().int(),
});

export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()), endedSessions: z.number().int() });

export const stepUpSchema = z.object({
  method: z.enum(['password', 'totp', 'passkey', 'recovery_code']),
  mfaVerifiedAt: z.string().nullable(),
  reauthenticatedAt: z.string(),
});

export const webauthnOptionsSchema = z.record(z.string(), z.unknown()).describe('PublicKeyCredential{Creation,Request}OptionsJSON for @simplewebauthn/browser');
export { methodSchema };
