// The least work a metering gateway must do, shared by the two calibration proxies
// (calib-raw.mjs, calib-hono.mjs): parse the request and rewrite `model`; parse a JSON
// answer for usage and rewrite its `model`; relay SSE chunk by chunk while parsing every
// event for usage. No auth, routing, limits or records: the ceiling, not a gateway.
import { Agent, request } from 'undici';

export const upstream = process.env.UPSTREAM;
const dispatcher = new Agent({ keepAliveTimeout: 60_000 });

export function rewriteRequest(raw) {
  const body = JSON.parse(raw);
  body.model = String(body.model);
  return { body, text: JSON.stringify(body) };
}

export function callUpstream(path, text) {
  return request(upstream + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, dispatcher });
}

/** A whole JSON answer: parsed, usage read, model rewritten, re-serialised. */
export function meterJson(raw, model) {
  const answer = JSON.parse(raw);
  const usage = answer.usage;
  answer.model = model;
  return { text: JSON.stringify(answer), usage };
}

/** Splits SSE text into events as chunks arrive and parses each event's data for usage. */
export class SseMeter {
  buf = '';
  usage = undefined;
  push(chunk) {
    this.buf += chunk;
    let end;
    while ((end = this.buf.indexOf('\n\n')) !== -1) {
      const event = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      const line = event.split('\n').find((l) => l.startsWith('data: '));
      if (!line || line === 'data: [DONE]') continue;
      const data = JSON.parse(line.slice(6));
      const u = data.usage ?? data.message?.usage ?? data.response?.usage;
      if (u) this.usage = u;
    }
  }
}
