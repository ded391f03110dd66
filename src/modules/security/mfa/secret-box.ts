import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Secrets } from '../../../platform/secrets';

/**
 * AES-256-GCM for TOTP seeds at rest, under a key derived by HKDF from the root secret for this
 * one purpose (src/platform/secrets.ts). The format is versioned ("v1.iv.tag.ciphertext") so that
 * the seeds can move to the privacy area's rotating key ring without a flag day. The factor id is
 * the additional authenticated data: a ciphertext copied onto another factor row does not decrypt.
 */
export class SecretBox {
  private readonly key: Buffer;
  constructor(secrets: Secrets, purpose = 'security.mfa.totp-secret.v1') {
    this.key = secrets.key(purpose);
  }

  seal(plaintext: Uint8Array, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, associatedData: string): Buffer {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed-secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  }
}
