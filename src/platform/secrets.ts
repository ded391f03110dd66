import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
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
