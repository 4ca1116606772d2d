/**
 * Caps a request's output tokens in each protocol's own field, so a capped request reads
 * to its provider like one the client capped itself. The chat body (the middle
 * representation) is capped for translating adapters; the client's own body for a
 * provider that speaks its protocol natively. Reasoning tokens are inside every one of
 * these limits (they are billed as output), so the cap holds for reasoning models too.
 */
import type { NativeRequest, OpenAIBody } from '../providers/types.js';
import { forgetRawText } from '../providers/request-text.js';

type Body = Record<string, unknown>;

const lower = (body: Body, field: string, cap: number) => {
  const asked = body[field];
  body[field] = typeof asked === 'number' && asked > 0 ? Math.min(asked, cap) : cap;
};

/**
 * OpenAI chat: whichever field the client used. With neither, `max_tokens` (what every
 * OpenAI-compatible server reads) unless the request is for a reasoning model
 * (reasoning_effort), whose OpenAI API takes only `max_completion_tokens`.
 */
export function capChatBody(body: Body, cap: number): void {
  if (typeof body.max_completion_tokens === 'number') lower(body, 'max_completion_tokens', cap);
  if (typeof body.max_tokens === 'number') lower(body, 'max_tokens', cap);
  if (typeof body.max_completion_tokens !== 'number' && typeof body.max_tokens !== 'number') {
    lower(body, body.reasoning_effort !== undefined ? 'max_completion_tokens' : 'max_tokens', cap);
  }
  // an Anthropic thinking budget must stay below max_tokens
  capThinkingBudget(body, cap);
}

/** Responses API: `max_output_tokens` covers visible and reasoning output. */
export function capResponsesBody(body: Body, cap: number): void {
  lower(body, 'max_output_tokens', cap);
}

/** Anthropic Messages: `max_tokens` (required) includes extended thinking. */
export function capAnthropicBody(body: Body, cap: number): void {
  lower(body, 'max_tokens', cap);
  capThinkingBudget(body, cap);
}

/** Gemini: `generationConfig.maxOutputTokens`, which thinking tokens count toward. */
export function capGeminiBody(body: Body, cap: number): void {
  const config = body.generationConfig && typeof body.generationConfig === 'object' ? (body.generationConfig as Body) : {};
  lower(config, 'maxOutputTokens', cap);
  body.generationConfig = config;
}

/** Anthropic's smallest thinking budget: below it thinking cannot be enabled at all. */
const MIN_THINKING_BUDGET = 1024;

function capThinkingBudget(body: Body, cap: number): void {
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (!thinking || thinking.type !== 'enabled' || typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < cap) return;
  // A budget this small leaves no room for thinking: answer without it rather than not at all.
  body.thinking = cap - 1 >= MIN_THINKING_BUDGET ? { ...thinking, budget_tokens: cap - 1 } : { type: 'disabled' };
}

const NATIVE: Record<NativeRequest['protocol'], (body: Body, cap: number) => void> = {
  'openai-chat': capChatBody,
  'openai-responses': capResponsesBody,
  'anthropic-messages': capAnthropicBody,
  gemini: capGeminiBody,
};

/** Caps the request everywhere it may be forwarded from: the chat body and the client's own body. */
export function capOutputTokens(input: { body: OpenAIBody; native?: NativeRequest | undefined }, cap: number): void {
  // The bodies change here: the client's text no longer says what they say.
  capChatBody(input.body as Body, cap);
  forgetRawText(input.body);
  if (input.native) {
    NATIVE[input.native.protocol](input.native.body, cap);
    forgetRawText(input.native.body);
  }
}
