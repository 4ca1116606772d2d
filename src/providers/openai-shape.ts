/**
 * Reading OpenAI-shaped request parts, shared by the adapters that translate them
 * (anthropic, gemini): pure helpers, no provider specifics.
 */
import { invalidRequest } from '../errors.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A message's content where only text is allowed (system, tool results, assistant turns). */
export function textOf(content: unknown, where: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (isObject(p) && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw invalidRequest(`${where}: only text parts are allowed here`, 'messages');
      })
      .join('');
  }
  throw invalidRequest(`${where}: content must be a string or an array of parts`, 'messages');
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/** An image_url.url: a base64 data URL split into its parts, or an http(s) URL; anything else is a 400. */
export function parseImageUrl(url: string): { mediaType: string; data: string } | { url: string } {
  const m = DATA_URL.exec(url);
  if (m) return { mediaType: m[1]!, data: m[2]! };
  if (/^https?:\/\//i.test(url)) return { url };
  throw invalidRequest('image_url.url must be a base64 data URL or an http(s) URL', 'messages');
}

/** An assistant tool call's `function.arguments` (a JSON string) as a value; empty means no arguments. */
export function parseArguments(raw: unknown): unknown {
  if (raw == null || raw === '') return {};
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidRequest('tool_calls[].function.arguments must be a JSON string', 'messages');
  }
}

/**
 * Marks a chat body an inbound route translated from another protocol (not a chat
 * client's own request). An enumerable symbol: spreads keep it, JSON never shows it.
 */
const TRANSLATED = Symbol('tokenhub.translated');

export function markTranslated<T extends object>(body: T): T {
  (body as Record<symbol, unknown>)[TRANSLATED] = true;
  return body;
}

export const isTranslated = (body: object): boolean => (body as Record<symbol, unknown>)[TRANSLATED] === true;

/**
 * The middle representation's fields for Anthropic (cache_control, thinking,
 * thinking_blocks), removed from a translated body before it goes to an OpenAI-shaped
 * provider, which would refuse them; `reasoning_content` and Gemini's `extra_content`
 * (thought signatures) too when `dropReasoning` (OpenAI itself; compatible servers such
 * as DeepSeek, or Gemini's own OpenAI endpoint, want them back).
 */
export function withoutAnthropicFields(body: Json, dropReasoning: boolean): Json {
  const strip = (o: unknown): unknown => {
    if (!isObject(o)) return o;
    const { cache_control: _c, thinking_blocks: _t, ...rest } = o;
    if (dropReasoning) {
      delete rest.reasoning_content;
      delete rest.extra_content;
      if (Array.isArray(rest.tool_calls)) rest.tool_calls = rest.tool_calls.map((c) => (isObject(c) ? (({ extra_content: _e, ...call }) => call)(c) : c));
    }
    if (Array.isArray(rest.content)) rest.content = rest.content.map(strip);
    return rest;
  };
  const { thinking: _thinking, ...out } = body;
  if (Array.isArray(out.messages)) out.messages = out.messages.map(strip);
  if (Array.isArray(out.tools)) out.tools = out.tools.map(strip);
  return out;
}

/** One payload of an OpenAI stream as an object; null when it is not one (a writer skips it). */
export function parseChunk(data: string): Json | null {
  try {
    const chunk = JSON.parse(data) as unknown;
    return isObject(chunk) ? chunk : null;
  } catch {
    return null;
  }
}
