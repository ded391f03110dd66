import { openAesGcm, sealAesGcm, type Secrets } from '../../../platform/secrets';

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
    const { iv, tag, ciphertext } = sealAesGcm(this.key, plaintext, Buffer.from(associatedData, 'utf8'));
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, associatedData: string): Buffer {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed-secret format');
    const parts = { iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
    return openAesGcm(this.key, parts, Buffer.from(associatedData, 'utf8'));
  }
}
