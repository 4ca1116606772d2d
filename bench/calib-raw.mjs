// Calibration: minimal metering (calib-meter.mjs) on raw node:http + undici. See bench/README.md.
import { createServer } from 'node:http';
import { callUpstream, meterJson, rewriteRequest, SseMeter } from './calib-meter.mjs';

const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const { body, text } = rewriteRequest(Buffer.concat(chunks).toString('utf8'));
    const up = await callUpstream(req.url, text);
    if (body.stream !== true) {
      const out = meterJson(await up.body.text(), body.model);
      res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out.text) });
      res.end(out.text);
      return;
    }
    res.writeHead(up.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const meter = new SseMeter();
    up.body.setEncoding('utf8');
    for await (const chunk of up.body) {
      meter.push(chunk);
      res.write(chunk);
    }
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
