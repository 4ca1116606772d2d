// The floor: a bare pass-through proxy with node:http and undici. No auth, no body
// parsing, the response streamed straight through. Anything TokenHub adds is measured against this.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const upstream = process.env.UPSTREAM; // e.g. http://127.0.0.1:1234
const dispatcher = new Agent({ keepAliveTimeout: 60_000 });
// The work-budget rows of the bench: the same proxy doing BURN_US µs of computation per
// request (a loop counted once at start, the fastest of five tries, so it is work, not
// wall time), to show what added work per request costs in throughput on this machine.
let sink = 0;
const spin = (n) => {
  for (let i = 0; i < n; i++) sink = (sink * 31 + i) | 0;
};
let loopsPerUs = 0;
if (process.env.BURN_US) {
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    spin(1e7);
    loopsPerUs = Math.max(loopsPerUs, 1e7 / ((performance.now() - t0) * 1000));
  }
}
const burnLoops = Math.round(Number(process.env.BURN_US ?? 0) * loopsPerUs);

const server = createServer(async (req, res) => {
  try {
    const up = await request(upstream + req.url, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: req,
      dispatcher,
    });
    if (burnLoops > 0) spin(burnLoops);
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
