import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AwsClient } from 'aws4fetch';
import { newId } from './ids';

/** Photos, contracts and other blobs live behind this interface (DESIGN.md §1). */
export interface FileStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Resolves to null when the object does not exist. */
  get(key: string): Promise<{ body: Readable; contentType: string; size: number } | null>;
  delete(key: string): Promise<void>;
}

const safeKey = /^[a-zA-Z0-9][a-zA-Z0-9/_.-]{0,500}$/;

export function assertSafeKey(key: string): void {
  if (!safeKey.test(key) || key.includes('..') || key.includes('//')) {
    throw new Error(`unsafe file key: ${key}`);
  }
}

const contentTypeByExtension: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
};

/** Files under a local folder; writes go to a temporary file and are renamed, so never torn. */
export class LocalFileStore implements FileStore {
  readonly kind = 'local' as const;
  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, body: Buffer): Promise<void> {
    const target = this.resolve(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${newId()}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, target);
  }

  async get(key: string): Promise<{ body: Readable; contentType: string; size: number } | null> {
    const target = this.resolve(key);
    try {
      const info = await stat(target);
      return {
        body: createReadStream(target),
        contentType: contentTypeByExtension[path.extname(target).toLowerCase()] ?? 'application/octet-stream',
        size: info.size,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }
}

export interface S3Options {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Any S3-compatible object store (AWS S3, MinIO, Ceph, R2) through its REST API with path-style
 * URLs. Requests are signed with SigV4 by aws4fetch, a small well-kept signer; the full AWS SDK
 * would add ~100 packages for three calls.
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(private readonly options: S3Options) {
    this.client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 's3',
    });
    this.base = `${options.endpoint.replace(/\/$/, '')}/${encodeURIComponent(options.bucket)}/`;
  }

  private url(key: string): string {
    assertSafeKey(key);
    return this.base + key.split('/').map(encodeURIComponent).join('/');
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const request = await this.client.sign(url, init);
    return (this.options.fetch ?? fetch)(request);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const response = await this.send(this.url(key), {
      method: 'PUT',
      body: new Uint8Array(body),
      headers: { 'content-type': contentType, 'content-length': String(body.length) },
    });
    if (!response.ok) throw new Error(`S3 PUT ${key} failed: ${response.status} ${await response.text()}`);
  }

  async get(key: string): Promise<{ body: Readable; contentType: string; size: number } | null> {
    const response = await this.send(this.url(key), { method: 'GET' });
    if (response.status === 404) return null;
    if (!response.ok || !response.body) throw new Error(`S3 GET ${key} failed: ${response.status}`);
    return {
      body: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      size: Number(response.headers.get('content-length') ?? 0),
    };
  }

  async delete(key: string): Promise<void> {
    const response = await this.send(this.url(key), { method: 'DELETE' });
    if (!response.ok && response.status !== 404) throw new Error(`S3 DELETE ${key} failed: ${response.status}`);
  }
}
