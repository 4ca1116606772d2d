// The floor: a bare pass-through proxy with node:http and undici. No auth, no body
// parsing, the response streamed straight through. Anything TokenHub adds is measured against this.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const upstream = process.env.UPSTREAM; // e.g. http://127.0.0.1:1234
const dispatcher = new Agent({ keepAliveTimeout: 60_000 });

const server = createServer(async (req, res) => {
  try {
    const up = await request(upstream + req.url, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: req,
      dispatcher,
    });
    res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json' });
    for await (const chunk of up.body) res.write(chunk);
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
