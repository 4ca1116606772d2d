/** Shared bits for provider adapter tests: targets, contexts and fixture replay. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProviderType } from '../../src/config/schema.js';
import type { ModelConfig } from '../../src/config/schema.js';
import type { RequestContext, StreamTranslator, Target } from '../../src/providers/types.js';
import { SseDecoder } from '../../src/upstream/sse.js';

export function fixture(path: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)), 'utf8');
}

export const fixtureJson = (path: string): unknown => JSON.parse(fixture(path));

export function makeTarget(type: ProviderType, model: string, info: ModelConfig | null = null): Target {
  return {
    provider: {
      name: type,
      type,
      baseUrl: 'http://127.0.0.1:1',
      apiKey: 'test-key',
      headers: {},
      streamUsage: true,
      timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 1000 },
      weight: 1,
    },
    model,
    upstreamModel: model,
    servedAs: `${type}/${model}`,
    info,
  };
}

export function makeCtx(over: Partial<RequestContext> = {}): RequestContext {
  return { requestId: 'req_test01', stream: false, clientWantsUsage: false, created: 1_700_000_000, ...over };
}

/**
 * Feeds raw SSE bytes through the real decoder in pieces of the given sizes (cycled),
 * so events, lines, `\r\n` pairs and multi-byte characters get split mid-way.
 */
export function replay(raw: string, translator: StreamTranslator, sizes: number[] = [1, 7, 3, 13, 2, 29]): string[] {
  const bytes = Buffer.from(raw, 'utf8');
  const decoder = new SseDecoder();
  const out: string[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    for (const ev of decoder.push(bytes.subarray(at, at + size))) out.push(...translator.push(ev));
    at += size;
  }
  for (const ev of decoder.end()) out.push(...translator.push(ev));
  out.push(...translator.end());
  return out;
}

export type Chunk = {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta?: Record<string, any>; text?: string; finish_reason: string | null }[];
  usage?: Record<string, any>;
  error?: Record<string, any>;
};

export const parseAll = (payloads: string[]): Chunk[] => payloads.map((p) => JSON.parse(p) as Chunk);

/** What the OpenAI SDK's accumulation would make of a chat stream: content and tool calls. */
export function accumulate(chunks: Chunk[]): { content: string; finish: string | null; toolCalls: { id: string; name: string; args: string }[] } {
  let content = '';
  let finish: string | null = null;
  const toolCalls: { id: string; name: string; args: string }[] = [];
  for (const c of chunks) {
    for (const ch of c.choices ?? []) {
      if (ch.finish_reason) finish = ch.finish_reason;
      const d = ch.delta ?? {};
      if (typeof d.content === 'string') content += d.content;
      for (const tc of d.tool_calls ?? []) {
        const slot = (toolCalls[tc.index] ??= { id: '', name: '', args: '' });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        if (tc.function?.arguments) slot.args += tc.function.arguments;
      }
    }
  }
  return { content, finish, toolCalls };
}
