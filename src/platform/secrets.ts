import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * Keys derived from one root secret with HKDF, one per purpose, so that a cursor signature can
 * never be replayed as a cookie signature. The root secret is SECRET_KEY; without it (one node,
 * embedded mode) a random key is generated once and kept in DATA_DIR/secret.key.
 */
export class Secrets {
  private readonly cache = new Map<string, Buffer>();
  constructor(private readonly root: Buffer) {
    if (root.length < 32) throw new Error('the root secret must be at least 32 bytes');
  }

  key(purpose: string): Buffer {
    let derived = this.cache.get(purpose);
    if (!derived) {
      derived = Buffer.from(hkdfSync('sha256', this.root, Buffer.alloc(0), `domus:${purpose}`, 32));
      this.cache.set(purpose, derived);
    }
    return derived;
  }

  sign(purpose: string, data: string): string {
    return createHmac('sha256', this.key(purpose)).update(data).digest('base64url');
  }

  verify(purpose: string, data: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(purpose, data));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/**
 * AES-256-GCM under a 32-byte key with a random 96-bit IV: the one authenticated-encryption
 * primitive every sealer in Domus uses (field encryption, TOTP seeds, custodial wallet keys); each
 * keeps its own stored format and additional data. `openAesGcm` throws when the tag does not verify.
 */
export interface AesGcmSealed {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function sealAesGcm(key: Buffer, plaintext: Uint8Array, associatedData: Uint8Array): AesGcmSealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

export function openAesGcm(key: Buffer, sealed: AesGcmSealed, associatedData: Uint8Array): Buffer {
  // authTagLength pins the tag to 16 bytes: Node otherwise accepts a truncated (4-byte) tag, which
  // would make forging a stored value far easier for someone able to edit it.
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: 16 });
  decipher.setAAD(associatedData);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

export function loadSecrets(config: Pick<Config, 'SECRET_KEY' | 'DATA_DIR'>): Secrets {
  if (config.SECRET_KEY) return new Secrets(Buffer.from(config.SECRET_KEY, 'utf8'));
  const file = path.join(config.DATA_DIR, 'secret.key');
  try {
    return new Secrets(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  } catch {
    mkdirSync(config.DATA_DIR, { recursive: true });
    const generated = randomBytes(32).toString('hex');
    writeFileSync(file, generated + '\n', { mode: 0o600, flag: 'wx' });
    return new Secrets(Buffer.from(generated, 'hex'));
  }
}
