/**
 * `serve --demo`: simulated OpenAI-compatible providers on loopback, with different
 * prices, speeds and failure rates, so routing, fallback and `top` have something to
 * show with no API key and no network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigFile } from '../config/schema.js';
import {
  chatChunks,
  chatCompletion,
  embeddingList,
  openAIError,
  promptTokensOf,
  sendJson,
  sseFrame,
  startSse,
  textChunks,
  textCompletion,
} from './openai-wire.js';

export interface SimulatedProvider {
  name: string;
  /** ms before the first byte */
  firstByteMs: number;
  /** ms between streamed words */
  perTokenMs: number;
  /**
   * Every Nth request is answered with 503: occasional, but predictable, so a newcomer
   * sees a failover within a few requests and a script's first request never fails.
   */
  failEvery: number;
  models: Record<string, { input: number; output: number; context: number; max_output?: number; capabilities?: ('chat' | 'completions' | 'embeddings' | 'tools')[] }>;
}

export const DEMO_PROVIDERS: SimulatedProvider[] = [
  {
    name: 'swift',
    firstByteMs: 60,
    perTokenMs: 12,
    failEvery: 40,
    models: {
      'demo-chat': { input: 0.6, output: 2.4, context: 128000, max_output: 16384, capabilities: ['chat', 'completions'] },
      'demo-embed': { input: 0.02, output: 0, context: 8192, capabilities: ['embeddings'] },
    },
  },
  {
    name: 'thrifty',
    firstByteMs: 250,
    perTokenMs: 35,
    failEvery: 7,
    models: {
      'demo-chat': { input: 0.15, output: 0.6, context: 32000, max_output: 4096, capabilities: ['chat', 'completions'] },
      'demo-mini': { input: 0.05, output: 0.2, context: 16000, max_output: 4096, capabilities: ['chat', 'completions'] },
    },
  },
];

const SENTENCES = [
  'TokenHub sits on localhost and forwards each request to the provider that fits it best.',
  'This answer comes from a simulated provider, so it costs nothing and needs no network.',
  'Try the header X-Inferoute-Strategy: latency and watch the other provider take over.',
  'Open tokenhub top in another terminal to see requests, latency and spend per provider.',
  'When a provider fails, the gateway quietly tries the next one before your client notices.',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function answerFor(prompt: number, maxTokens: unknown): string[] {
  const words = `${SENTENCES[prompt % SENTENCES.length]} ${SENTENCES[(prompt + 1) % SENTENCES.length]}`.split(' ');
  const limit = typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : words.length;
  return words.slice(0, limit).map((w, i) => (i === 0 ? w : ' ' + w));
}

async function handle(sim: SimulatedProvider, served: { count: number }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path === '/v1/models') {
    sendJson(res, 200, { object: 'list', data: Object.keys(sim.models).map((id) => ({ id, object: 'model', created: 0, owned_by: sim.name })) });
    return;
  }
  const body = await readJson(req);
  const model = String(body.model ?? '');
  if (!sim.models[model]) {
    sendJson(res, 404, openAIError(`The model \`${model}\` does not exist`, 'invalid_request_error', 'model_not_found'));
    return;
  }
  const jitter = 0.7 + Math.random() * 0.6;
  await sleep(sim.firstByteMs * jitter);
  if (++served.count % sim.failEvery === 0) {
    sendJson(res, 503, openAIError(`${sim.name} is overloaded (simulated)`, 'server_error', 'overloaded'));
    return;
  }
  const id = `sim-${Math.random().toString(36).slice(2, 12)}`;
  const prompt = promptTokensOf(body);
  if (path === '/v1/embeddings') {
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    sendJson(res, 200, embeddingList(model, inputs));
    return;
  }
  const isChat = path === '/v1/chat/completions';
  if (!isChat && path !== '/v1/completions') {
    sendJson(res, 404, openAIError(`Unknown path ${path}`, 'invalid_request_error'));
    return;
  }
  const pieces = answerFor(prompt, body.max_tokens ?? body.max_completion_tokens);
  const usage = { prompt_tokens: prompt, completion_tokens: pieces.length };
  if (body.stream !== true) {
    await sleep(sim.perTokenMs * pieces.length * jitter);
    sendJson(res, 200, isChat ? chatCompletion(id, model, pieces.join(''), usage) : textCompletion(id, model, pieces.join(''), usage));
    return;
  }
  const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunks = isChat ? chatChunks(id, model, pieces, wantsUsage ? usage : null) : textChunks(id, model, pieces, wantsUsage ? usage : null);
  startSse(res);
  for (const chunk of chunks) {
    if (res.destroyed) return;
    res.write(sseFrame(chunk));
    await sleep(sim.perTokenMs * jitter);
  }
  res.end(sseFrame('[DONE]'));
}

export interface RunningSimulator {
  config: ConfigFile['providers'];
  close(): Promise<void>;
}

export async function startSimulator(providers: SimulatedProvider[] = DEMO_PROVIDERS): Promise<RunningSimulator> {
  const servers: Server[] = [];
  const config: ConfigFile['providers'] = {};
  for (const sim of providers) {
    const served = { count: 0 };
    const server = createServer((req, res) => {
      handle(sim, served, req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    config[sim.name] = { type: 'openai-compatible', base_url: `http://127.0.0.1:${port}/v1`, models: sim.models };
  }
  return {
    config,
    close: async () => {
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })),
      );
    },
  };
}
