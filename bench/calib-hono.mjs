// Calibration: the same minimal metering (calib-meter.mjs) inside a Hono app on
// @hono/node-server, with one middleware: what the framework's request/response
// adaptation costs when the work is the same as calib-raw.mjs. See bench/README.md.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { callUpstream, meterJson, rewriteRequest, SseMeter } from './calib-meter.mjs';

const app = new Hono();
app.use('*', async (c, next) => {
  c.set('startedAt', performance.now());
  await next();
});
app.post('*', async (c) => {
  const { body, text } = rewriteRequest(await c.req.text());
  const up = await callUpstream(c.req.path, text);
  if (body.stream !== true) {
    const out = meterJson(await up.body.text(), body.model);
    return c.body(out.text, up.statusCode, { 'content-type': 'application/json' });
  }
  const meter = new SseMeter();
  const decoder = new TextDecoder();
  const stream = new ReadableStream({
    async start(controller) {
      for await (const chunk of up.body) {
        meter.push(decoder.decode(chunk, { stream: true }));
        controller.enqueue(chunk);
      }
      controller.close();
    },
  });
  return c.body(stream, up.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`listening ${info.port}\n`));
server.keepAliveTimeout = 60_000;
