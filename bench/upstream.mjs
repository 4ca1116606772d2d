// A fast fake upstream for the benchmark, speaking three protocols in the shapes recorded
// under test/fixtures/ (openai/chat-*, anthropic/text.*, openai/responses/responses-text.*),
// each answer carrying the same 20 words:
//   POST /v1/chat/completions  OpenAI chat: JSON, or SSE (20 content chunks, finish, usage, [DONE])
//   POST /v1/messages          Anthropic Messages: JSON, or SSE (message_start … 20 text deltas … message_stop)
//   POST /v1/responses         OpenAI Responses: JSON, or SSE (response.created … 20 deltas … response.completed)
// Any path under /fail/ answers 500 (a provider that is down). CHUNK_DELAY_MS slows streams.
import { createServer } from 'node:http';

const delay = Number(process.env.CHUNK_DELAY_MS ?? 0);
const created = Math.floor(Date.now() / 1000);
const words = Array.from({ length: 20 }, (_, i) => (i ? ' word' + i : 'word0'));
const text = words.join('');
const usage = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32, prompt_tokens_details: { cached_tokens: 0 } };
const sse = (event, data) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

const chat = {
  json: (model) => JSON.stringify({
    id: 'chatcmpl-bench', object: 'chat.completion', created, model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
    usage,
  }),
  frames(model, body) {
    const base = `"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}`;
    const out = [`data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`];
    for (const w of words) out.push(`data: {${base},"choices":[{"index":0,"delta":{"content":${JSON.stringify(w)}},"finish_reason":null}]}\n\n`);
    out.push(`data: {${base},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`);
    if (body.stream_options?.include_usage === true) out.push(`data: {${base},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
    out.push('data: [DONE]\n\n');
    return out;
  },
};

const anthropicUsage = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 20, service_tier: 'standard' };
const messages = {
  json: (model) => JSON.stringify({
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: anthropicUsage,
  }),
  frames: (model) => [
    sse('message_start', { type: 'message_start', message: { id: 'msg_01Stream8ZxQ', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
    ...words.map((w) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } })),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } }),
    sse('message_stop', { type: 'message_stop' }),
  ],
};

const respUsage = { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 32 };
const respMessage = { id: 'msg_bench', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
const response = (model, status, output, u) => ({
  id: 'resp_bench', object: 'response', created_at: created, status, error: null, incomplete_details: null, instructions: null,
  max_output_tokens: null, model, output, parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null },
  store: false, temperature: 1.0, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1.0, truncation: 'disabled',
  usage: u, user: null, metadata: {},
});
const responses = {
  json: (model) => JSON.stringify(response(model, 'completed', [respMessage], respUsage)),
  frames(model) {
    let seq = 0;
    const ev = (type, data) => sse(type, { ...data, sequence_number: seq++, type });
    return [
      ev('response.created', { response: response(model, 'in_progress', [], null) }),
      ev('response.output_item.added', { item: { id: 'msg_bench', type: 'message', role: 'assistant', status: 'in_progress', content: [] }, output_index: 0 }),
      ev('response.content_part.added', { content_index: 0, item_id: 'msg_bench', output_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
      ...words.map((w) => ev('response.output_text.delta', { content_index: 0, delta: w, item_id: 'msg_bench', logprobs: [], output_index: 0 })),
      ev('response.output_text.done', { content_index: 0, item_id: 'msg_bench', logprobs: [], output_index: 0, text }),
      ev('response.output_item.done', { item: respMessage, output_index: 0 }),
      ev('response.completed', { response: response(model, 'completed', [respMessage], respUsage) }),
    ];
  },
};

const PROTOCOLS = { '/v1/chat/completions': chat, '/v1/messages': messages, '/v1/responses': responses };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = {};
  try { body = JSON.parse(Buffer.concat(chunks).toString()); } catch {}
  const path = req.url.split('?')[0];
  if (path.startsWith('/fail/')) {
    // A provider that is down (the soak's failovers): OpenAI's error envelope, 500.
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}');
    return;
  }
  const proto = PROTOCOLS[path];
  if (!proto) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  const model = body.model ?? 'bench-model';
  if (body.stream !== true) {
    const out = proto.json(model);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const list = proto.frames(model, body);
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
