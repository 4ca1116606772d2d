// A fast fake OpenAI upstream for the benchmark: chat completions, plain and SSE
// (20 content chunks, a finish chunk and a usage chunk). CHUNK_DELAY_MS slows streams.
import { createServer } from 'node:http';

const delay = Number(process.env.CHUNK_DELAY_MS ?? 0);
const created = Math.floor(Date.now() / 1000);
const words = Array.from({ length: 20 }, (_, i) => (i ? ' word' + i : 'word0'));
const usage = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32, prompt_tokens_details: { cached_tokens: 0 } };

function completion(model) {
  return JSON.stringify({
    id: 'chatcmpl-bench', object: 'chat.completion', created, model,
    choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop', logprobs: null }],
    usage,
  });
}

function frames(model, withUsage) {
  const base = `"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}`;
  const out = [`data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`];
  for (const w of words) out.push(`data: {${base},"choices":[{"index":0,"delta":{"content":${JSON.stringify(w)}},"finish_reason":null}]}\n\n`);
  out.push(`data: {${base},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`);
  if (withUsage) out.push(`data: {${base},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = {};
  try { body = JSON.parse(Buffer.concat(chunks).toString()); } catch {}
  const model = body.model ?? 'bench-model';
  if (body.stream !== true) {
    const text = completion(model);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const list = frames(model, body.stream_options?.include_usage === true);
  if (!delay) { res.end(list.join('')); return; }
  for (const f of list) {
    if (res.destroyed) return;
    res.write(f);
    await sleep(delay);
  }
  res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
