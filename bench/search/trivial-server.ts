// The baseline: a trivial Fastify route returning a small JSON document, in its own process,
// exactly like the Domus server runs, so the ratio isolates the cost of search itself.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3999);
const app = Fastify({ logger: false });
app.get('/trivial', async () => ({ items: [], nextCursor: null }));
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
