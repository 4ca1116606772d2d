import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../../src/errors.js';
import { fitOutputToBudget, MIN_ANSWER_TOKENS, promptTokenCeiling, worstCaseCostUsd } from '../../src/gateway/budget.js';
import { admitRequest, KeyLimiter } from '../../src/gateway/limits.js';
import type { ProxyInput } from '../../src/gateway/ledger.js';
import { capOutputTokens } from '../../src/gateway/output-cap.js';
import type { NativeRequest, Target } from '../../src/providers/types.js';
import type { ApiKeyRecord } from '../../src/store/keys.js';

// $1 per million prompt tokens, $20 per million output tokens, no max_output: the worst case is 4096 output tokens ≈ $0.082
const PRICED = { input: 1, output: 20 } as Target['info'];
const target = (name: string, info: Target['info']): Target =>
  ({ provider: { name } as Target['provider'], model: 'm', upstreamModel: 'm', servedAs: `${name}/m`, info }) as Target;
const record = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'key_small', name: 'tool', prefix: 'sk-th-abc', hash: 'h', createdAt: 0, updatedAt: 0, revokedAt: null, expiresAt: null,
  models: null, ips: null, budgetUsd: 0.05, budgetPeriod: 'total', rpm: null, tpm: null, ...over,
});
const messages = [{ role: 'user', content: 'Summarise the build log.' }];

function setup(spent = 0) {
  const k = record();
  const limits = new KeyLimiter({ spentSince: () => spent, clock: () => 0, wallClock: () => Date.parse('2026-11-27T12:00:00Z') });
  limits.sync([k]);
  const input = (body: Record<string, unknown>, native?: NativeRequest): ProxyInput =>
    ({ op: 'chat', requestId: 'r', startedAt: 0, key: { record: k }, body: { model: 'm', ...body }, native }) as unknown as ProxyInput;
  return { k, limits, input };
}

describe('a budget smaller than the worst case caps the answer instead of refusing', () => {
  test('the cap is the most output tokens the remaining budget pays for on every candidate', () => {
    const body = { messages };
    const prompt = promptTokenCeiling('chat', body);
    const fit = fitOutputToBudget('chat', body, [target('a', PRICED), target('free', null)], 0.05)!;
    assert.equal(fit.outputCap, Math.floor((0.05 - prompt / 1e6) / (20 / 1e6)));
    assert.ok(fit.worstUsd <= 0.05 && fit.worstUsd > 0.0499, String(fit.worstUsd));
    assert.equal(fit.worstUsd, worstCaseCostUsd('chat', { ...body, max_tokens: fit.outputCap }, [target('a', PRICED)]));
    // n choices share the budget
    assert.equal(fitOutputToBudget('chat', { ...body, n: 2 }, [target('a', PRICED)], 0.05)!.outputCap, Math.floor(fit.outputCap / 2));
    // the dearest candidate decides
    const dear = target('b', { input: 1, output: 40 } as Target['info']);
    assert.equal(fitOutputToBudget('chat', body, [target('a', PRICED), dear], 0.05)!.outputCap, Math.floor((0.05 - prompt / 1e6) / (40 / 1e6)));
  });

  test('no cap below a minimal answer, and none for a prompt the budget cannot pay', () => {
    assert.equal(fitOutputToBudget('chat', { messages }, [target('a', PRICED)], (MIN_ANSWER_TOKENS - 1) * 20e-6), undefined);
    assert.equal(fitOutputToBudget('chat', { messages: [{ role: 'user', content: 'x'.repeat(100_000) }] }, [target('a', PRICED)], 0.05), undefined);
  });

  test('a $0.05 key is admitted with its output capped; the reservation never passes the budget; 402 only when 16 tokens do not fit', () => {
    const { k, limits, input } = setup();
    const first = input({ messages });
    const a = admitRequest(limits, first, [target('a', PRICED)], 10)!;
    assert.ok(a.outputCap! > MIN_ANSWER_TOKENS && a.outputCap! < 4096);
    assert.equal(first.body.max_tokens, a.outputCap, 'the chat body carries the cap');
    const status = () => limits.status(k.id).budget!;
    assert.ok(status().reservedUsd <= 0.05);
    // in flight, the first holds almost everything: a second request is refused, not overspent
    const err = (() => {
      try {
        admitRequest(limits, input({ messages }), [target('a', PRICED)], 10);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof GatewayError && err.code === 'insufficient_quota', String(err));
    assert.match(err.message, /not even a 16-token answer fits/);
    // settled at $0.02, the next request is capped to what the $0.03 left can pay
    a.settle({ promptTokens: 10, completionTokens: 999, costUsd: 0.02 });
    const second = input({ messages, max_tokens: 100_000 });
    const b = admitRequest(limits, second, [target('a', PRICED)], 10)!;
    assert.ok(b.outputCap! < a.outputCap!, `${b.outputCap} < ${a.outputCap}`);
    assert.equal(second.body.max_tokens, b.outputCap);
    assert.ok(status().spentUsd + status().reservedUsd <= 0.05 + 1e-12);
  });

  test('a request whose worst case fits is not capped', () => {
    const { limits, input } = setup();
    const small = input({ messages, max_tokens: 100 });
    const a = admitRequest(limits, small, [target('a', PRICED)], 10)!;
    assert.equal(a.outputCap, undefined);
    assert.equal(small.body.max_tokens, 100);
  });
});

describe('the cap in each protocol’s own field', () => {
  const capped = (body: Record<string, unknown>, native?: Omit<NativeRequest, 'headers'>) => {
    const input = { body: structuredClone(body) as ProxyInput['body'], native: native ? { headers: {}, ...structuredClone(native) } : undefined };
    capOutputTokens(input, 500);
    return input;
  };

  test('chat: whichever of max_completion_tokens and max_tokens the client used; max_tokens when neither; max_completion_tokens for a reasoning model', () => {
    assert.deepEqual(capped({ max_completion_tokens: 9000 }).body, { max_completion_tokens: 500 });
    assert.deepEqual(capped({ max_tokens: 9000 }).body, { max_tokens: 500 });
    assert.deepEqual(capped({ max_tokens: 200 }).body, { max_tokens: 200 }, 'a smaller limit stays');
    assert.deepEqual(capped({}).body, { max_tokens: 500 });
    assert.deepEqual(capped({ reasoning_effort: 'high' }).body, { reasoning_effort: 'high', max_completion_tokens: 500 });
    assert.deepEqual(capped({ max_tokens: 9000, thinking: { type: 'enabled', budget_tokens: 4000 } }).body, { max_tokens: 500, thinking: { type: 'disabled' } });
  });

  test('Responses max_output_tokens, Anthropic max_tokens (thinking budget below it), Gemini generationConfig.maxOutputTokens', () => {
    assert.deepEqual(capped({}, { protocol: 'openai-responses', body: { input: 'hi' } }).native!.body, { input: 'hi', max_output_tokens: 500 });
    const anthropic = capped({}, { protocol: 'anthropic-messages', body: { max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 32000 } } });
    assert.deepEqual(anthropic.native!.body, { max_tokens: 500, thinking: { type: 'disabled' } });
    const roomy = { body: { max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 32000 } } as unknown as ProxyInput['body'], native: undefined };
    capOutputTokens(roomy, 5000);
    assert.deepEqual(roomy.body.thinking, { type: 'enabled', budget_tokens: 4999 });
    assert.deepEqual(capped({}, { protocol: 'gemini', body: { contents: [] } }).native!.body, { contents: [], generationConfig: { maxOutputTokens: 500 } });
    assert.deepEqual(capped({}, { protocol: 'gemini', body: { generationConfig: { temperature: 0, maxOutputTokens: 100 } } }).native!.body, {
      generationConfig: { temperature: 0, maxOutputTokens: 100 },
    });
    assert.deepEqual(capped({}, { protocol: 'openai-chat', body: { max_completion_tokens: 8000 } }).native!.body, { max_completion_tokens: 500 });
  });
});
