/**
 * One server process of the realtime benchmark (bench/realtime/realtime.bench.ts spawns it).
 * BENCH_MODE=domus: the real Domus app (src/app.ts) with its /realtime gateway; the node with
 * BENCH_SETUP_FILE also creates the benchmark's synthetic users and deals and writes their session
 * cookies there. BENCH_MODE=socketio: the Socket.IO baseline — rooms, a broadcast per message and
 * an ack, nothing persisted. Both answer `memory` over IPC with their heap and RSS after a GC.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createDomus } from '../../src/app';
import { loadConfig } from '../../src/platform/config';

const mode = process.env.BENCH_MODE ?? 'domus';
const port = Number(process.env.PORT ?? 0);

function answerMemory(): void {
  process.on('message', (message: unknown) => {
    // A clean exit, so that a --cpu-prof profile is written.
    if (message === 'exit') process.exit(0);
    if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() });
      return;
    }
    if (message !== 'memory') return;
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    process.send?.({ rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers });
  });
}

async function socketIo(): Promise<void> {
  const http = createServer();
  const io = new Server(http, { perMessageDeflate: false, transports: ['websocket'], serveClient: false });
  io.on('connection', (socket) => {
    socket.on('join', (room: string, ack: () => void) => {
      void socket.join(room);
      ack();
    });
    socket.on('send', (message: { room: string; id: string; text: string }, ack: (reply: { id: string }) => void) => {
      io.to(message.room).emit('message', { room: message.room, id: message.id, text: message.text });
      ack({ id: message.id });
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  answerMemory();
  process.send?.({ ready: true });
}

async function domus(): Promise<void> {
  const config = loadConfig({ ...process.env, SEED_DEMO_DATA: 'false', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port) });
  const app = await createDomus(config);
  await app.app.listen({ port, host: '127.0.0.1' });
  const setupFile = process.env.BENCH_SETUP_FILE;
  if (setupFile) await writeFile(setupFile, JSON.stringify(await setup(app, Number(process.env.BENCH_ROOMS ?? 500), Number(process.env.BENCH_PER_ROOM ?? 10))));
  answerMemory();
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
  process.send?.({ ready: true });
}

/**
 * Synthetic, deterministic scene (labelled as such): one seller organization with (perRoom - 1)
 * agents and one active listing; `rooms` buyers, each with a deal on it. Room r's members are its
 * buyer and every agent, each agent with one connection per room.
 */
async function setup(app: Awaited<ReturnType<typeof createDomus>>, rooms: number, perRoom: number) {
  const identity = app.modules.identity.service;
  const passwordHash = await identity.hashPassword('synthetic benchmark user');
  const session = async (index: string) => {
    const user = await identity.signUpWithPasswordHash({ email: `bench-${index}@synthetic.example`, passwordHash, displayName: `Synthetic ${index}` });
    const { token } = await identity.openSession(user.id, { ip: '127.0.0.1', userAgent: 'bench' });
    return { id: user.id, cookie: `domus_session=${token}` };
  };
  const inject = async (cookie: string, method: 'POST', url: string, payload: object) => {
    const response = await app.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, payload });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json() as { id: string };
  };
  const owner = await session('owner');
  const organization = await inject(owner.cookie, 'POST', '/organizations', { name: 'Synthetic Benchmark Estates' });
  const agents = [];
  for (let index = 0; index < perRoom - 1; index += 1) {
    const agent = await session(`agent-${index}`);
    await app.modules.identity.service.addMemberDirect(organization.id, agent.id, 'agent');
    agents.push(agent);
  }
  const property = await inject(owner.cookie, 'POST', '/properties', {
    organizationId: organization.id, address: 'Synthetic 1', city: 'Amsterdam', country: 'NL', postalCode: '1012 LG',
    latitude: 52.376, longitude: 4.896, propertyType: 'apartment', livingAreaM2: 70, bedrooms: 2, features: [],
  });
  const listing = await inject(owner.cookie, 'POST', '/listings', {
    propertyId: property.id, kind: 'sale', title: 'Synthetic benchmark listing', description: 'Synthetic.', askingPrice: { amountMinor: 50_000_000, currency: 'EUR' },
  });
  await inject(owner.cookie, 'POST', `/listings/${listing.id}/status`, { status: 'active' });
  const result: { room: string; cookies: string[] }[] = [];
  for (let index = 0; index < rooms; index += 1) {
    const buyer = await session(`buyer-${index}`);
    const deal = await inject(buyer.cookie, 'POST', '/deals', { listingId: listing.id });
    result.push({ room: `deal:${deal.id}`, cookies: [buyer.cookie, ...agents.map((agent) => agent.cookie)] });
  }
  return result;
}

await (mode === 'socketio' ? socketIo() : domus());
