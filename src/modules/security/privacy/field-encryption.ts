import { openAesGcm, sealAesGcm, type Secrets } from '../../../platform/secrets';

/**
 * Field-level encryption for personal data (issue 3): AES-256-GCM with a key ring. Each key has
 * an id (`k1`, `k2`, …); its 256-bit key is derived with HKDF from the root secret and the id
 * (platform/secrets.ts), so no key material is ever stored — only which ids exist and which one
 * is active (privacy_keys). A stored value is `enc:v1:<keyId>:<iv>:<ciphertext+tag>` (base64url),
 * authenticated with additional data naming its table, column and row, so a ciphertext copied
 * into another row or column fails to decrypt. Rotation adds a key and makes it active; old
 * values stay readable under their own id until re-encryption rewrites them (privacy.service.ts).
 */
export interface FieldContext {
  table: string;
  column: string;
  rowId: string;
}

export class FieldDecryptionError extends Error {}

const prefix = 'enc:v1:';
const keyIdPattern = /^k[1-9][0-9]{0,5}$/;

export class FieldCipher {
  constructor(
    private readonly secrets: Secrets,
    private activeKeyId: string,
  ) {
    if (!keyIdPattern.test(activeKeyId)) throw new Error(`bad key id ${activeKeyId}`);
  }

  get activeKey(): string {
    return this.activeKeyId;
  }

  /** Switches new writes to another key (after rotation). */
  use(keyId: string): void {
    if (!keyIdPattern.test(keyId)) throw new Error(`bad key id ${keyId}`);
    this.activeKeyId = keyId;
  }

  private key(keyId: string): Buffer {
    return this.secrets.key(`field-encryption:${keyId}`);
  }

  encrypt(plaintext: string, context: FieldContext): string {
    const { iv, ciphertext, tag } = sealAesGcm(this.key(this.activeKeyId), Buffer.from(plaintext, 'utf8'), aad(context, this.activeKeyId));
    const body = Buffer.concat([ciphertext, tag]);
    return `${prefix}${this.activeKeyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /** The key id a stored value was encrypted under. */
  keyIdOf(stored: string): string {
    return parse(stored).keyId;
  }

  decrypt(stored: string, context: FieldContext): string {
    const { keyId, iv, body } = parse(stored);
    if (body.length < 17) throw new FieldDecryptionError('ciphertext too short');
    try {
      const parts = { iv, ciphertext: body.subarray(0, body.length - 16), tag: body.subarray(body.length - 16) };
      return openAesGcm(this.key(keyId), parts, aad(context, keyId)).toString('utf8');
    } catch {
      throw new FieldDecryptionError(`the value of ${context.table}.${context.column} for ${context.rowId} fails authentication (tampered, moved, or another SECRET_KEY)`);
    }
  }
}

function aad(context: FieldContext, keyId: string): Buffer {
  return Buffer.from(`domus:${context.table}:${context.column}:${context.rowId}:${keyId}`, 'utf8');
}

function parse(stored: string): { keyId: string; iv: Buffer; body: Buffer } {
  const match = /^enc:v1:(k[0-9]+):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) throw new FieldDecryptionError('not an encrypted field value');
  return { keyId: match[1] as string, iv: Buffer.from(match[2] as string, 'base64url'), body: Buffer.from(match[3] as string, 'base64url') };
}
