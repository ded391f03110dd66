import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileStore, S3FileStore, type FileStore } from './files';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * A minimal S3-compatible endpoint (path-style PUT/GET/DELETE) that also records each request, so
 * the test can check that every call is SigV4-signed for the right bucket and region.
 */
function startFakeS3(): Promise<{ server: Server; url: string; requests: IncomingMessage[] }> {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const requests: IncomingMessage[] = [];
  const server = createServer(async (request, response) => {
    requests.push(request);
    const body = await readAll(request);
    const key = decodeURIComponent(request.url ?? '');
    if (request.method === 'PUT') {
      objects.set(key, { body, type: String(request.headers['content-type']) });
      response.writeHead(200).end();
    } else if (request.method === 'GET') {
      const object = objects.get(key);
      if (!object) return response.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      response.writeHead(200, { 'content-type': object.type, 'content-length': object.body.length }).end(object.body);
    } else if (request.method === 'DELETE') {
      objects.delete(key);
      response.writeHead(204).end();
    } else response.writeHead(405).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests })),
  );
}

let directory: string;
let fakeS3: Awaited<ReturnType<typeof startFakeS3>>;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'domus-files-'));
  fakeS3 = await startFakeS3();
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  fakeS3.server.close();
});

const stores: [string, () => FileStore][] = [
  ['local', () => new LocalFileStore(directory)],
  [
    's3',
    () =>
      new S3FileStore({ endpoint: fakeS3.url, bucket: 'photos', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  ],
];

describe.each(stores)('FileStore contract: %s', (_name, make) => {
  it('puts, gets and deletes an object', async () => {
    const store = make();
    await store.put('listings/a/b/thumb.webp', Buffer.from('pixels'), 'image/webp');
    const found = await store.get('listings/a/b/thumb.webp');
    expect(found?.contentType).toBe('image/webp');
    expect((await readAll(found!.body)).toString()).toBe('pixels');
    await store.delete('listings/a/b/thumb.webp');
    expect(await store.get('listings/a/b/thumb.webp')).toBeNull();
  });

  it('refuses keys that could escape the store', async () => {
    const store = make();
    await expect(store.put('../etc/passwd', Buffer.from('x'), 'text/plain')).rejects.toThrow(/unsafe file key/);
    await expect(store.get('/absolute')).rejects.toThrow(/unsafe file key/);
  });
});

describe('S3FileStore', () => {
  it('signs requests with SigV4 for the bucket region and uses path-style URLs', async () => {
    const store = new S3FileStore({ endpoint: fakeS3.url, bucket: 'photos', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
    fakeS3.requests.length = 0;
    await store.put('x/y.png', Buffer.from('png'), 'image/png');
    const request = fakeS3.requests[0]!;
    expect(request.url).toBe('/photos/x/y.png');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers['x-amz-content-sha256']).toBeDefined();
  });
});
