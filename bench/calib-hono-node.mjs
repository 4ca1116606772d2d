// Calibration: the same minimal metering inside Hono, but the way TokenHub's hot routes
// use it: the body read off the Node request, streams written straight to the Node
// response (RESPONSE_ALREADY_SENT). Its distance to calib-raw.mjs is what Hono's routing
// and @hono/node-server's adaptation still cost TokenHub; see bench/README.md.
import { serve } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { callUpstream, meterJson, rewriteRequest, SseMeter } from './calib-meter.mjs';

const readBody = (incoming) => new Promise((resolve, reject) => {
  const chunks = [];
  incoming.on('data', (c) => chunks.push(c));
  incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  incoming.on('error', reject);
});

const app = new Hono();
app.use('*', async (c, next) => {
  c.set('startedAt', performance.now());
  await next();
});
app.post('*', async (c) => {
  const { incoming, outgoing } = c.env;
  const { body, text } = rewriteRequest(await readBody(incoming));
  const up = await callUpstream(c.req.path, text);
  if (body.stream !== true) {
    const out = meterJson(await up.body.text(), body.model);
    return c.body(out.text, up.statusCode, { 'content-type': 'application/json' });
  }
  outgoing.writeHead(up.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const meter = new SseMeter();
  up.body.setEncoding('utf8');
  for await (const chunk of up.body) {
    meter.push(chunk);
    outgoing.write(chunk);
  }
  outgoing.end();
  return RESPONSE_ALREADY_SENT;
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`listening ${info.port}\n`));
server.keepAliveTimeout = 60_000;
