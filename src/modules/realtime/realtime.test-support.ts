import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { addMember, asUser, call, createListing, createProperty, setStatus } from '../../../test/support/api-client';
import { createOrganization, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { ResumableClient, type ServerFrame } from './realtime.client';

/** A deal with a buyer, a seller agent and a stranger, on a Domus that listens on a real port. */
export interface DealScene {
  baseUrl: string;
  wsUrl: string;
  dealId: string;
  listingId: string;
  organizationId: string;
  owner: SignedInUser;
  buyer: SignedInUser;
  sellerAgent: SignedInUser;
  stranger: SignedInUser;
}

export async function listen(domus: TestDomus): Promise<{ baseUrl: string; wsUrl: string }> {
  await domus.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = domus.app.server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
}

export async function dealScene(domus: TestDomus): Promise<DealScene> {
  const { baseUrl, wsUrl } = await listen(domus);
  const [owner, sellerAgent, buyer, stranger] = await Promise.all(['Owner', 'Sam Seller', 'Bea Buyer', 'Stranger'].map((name) => signUp(domus, name))) as SignedInUser[] as [
    SignedInUser, SignedInUser, SignedInUser, SignedInUser,
  ];
  const organizationId = await createOrganization(domus, owner, 'Canal Estates');
  await addMember(domus, owner, organizationId, sellerAgent.email, 'agent');
  const property = await createProperty(domus, asUser(sellerAgent), organizationId);
  const listing = await createListing(domus, asUser(sellerAgent), property.id);
  await setStatus(domus, asUser(sellerAgent), listing.id, 'active');
  const deal = await call(domus, asUser(buyer), 'POST', '/deals', { listingId: listing.id });
  expect(deal.statusCode, deal.body).toBe(201);
  return { baseUrl, wsUrl, dealId: deal.json().id, listingId: listing.id, organizationId, owner, buyer, sellerAgent, stranger };
}

export async function connectAs(wsUrl: string, user: { cookie: string }, onFrame?: (frame: ServerFrame) => void): Promise<ResumableClient> {
  const client = new ResumableClient({ urls: [`${wsUrl}/realtime`], headers: { cookie: user.cookie }, onFrame });
  const hello = client.next((frame) => frame.type === 'hello');
  await client.connect();
  await hello;
  return client;
}

/** The status and body a refused handshake answers with. */
export async function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.on('error', (error) => {
      if (!socket.listenerCount('unexpected-response')) reject(error);
    });
  });
}
