import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { estimatePromptTokens } from '../../src/gateway/tokens.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { manualClock } from '../helpers/clock.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('rate limits: requests and tokens per minute', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  // Time moves only when a test moves it: retry-after values are exact, on any machine.
  const clock = manualClock();
  const clientFor = (key: string, maxRetries = 0) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries });

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 } }) } }, { clock });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('20 concurrent requests against rpm 5: exactly 5 served, 15 get 429 rate_limited with Retry-After', async () => {
    const { id, key } = gw.mintKey({ rpm: 5 });
    const client = clientFor(key);
    fake.setReply(() => ({ delayMs: 30 }));
    const before = fake.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => client.chat.completions.create({ model: 'gpt-fake', messages })));
    fake.setReply(() => ({}));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    assert.equal(ok.length, 5);
    assert.equal(refused.length, 15);
    assert.equal(fake.requests.length - before, 5, 'refused requests never reach the provider');
    for (const err of refused) {
      assert.ok(err instanceof OpenAI.RateLimitError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.type, 'rate_limit_error');
      // the clock stood still: the window frees a full minute from now
      assert.equal(err.headers.get('retry-after-ms'), '60000');
      assert.equal(err.headers.get('retry-after'), '60');
      assert.ok(err.headers.get('x-inferoute-request-id'));
    }
    const records = (await gw.usage()).filter((r) => r.keyId === id);
    assert.equal(records.filter((r) => r.status === 200).length, 5);
    assert.equal(records.filter((r) => r.errorCode === 'rate_limited').length, 15, 'refusals are recorded too');
  });

  test('tpm refuses a request whose token estimate does not fit, with the exact wait, and settles to the provider’s count', async () => {
    const tpm = 6000; // 100 tokens a second
    const { key } = gw.mintKey({ tpm });
    const client = clientFor(key);
    const prompt = estimatePromptTokens('chat', { messages });
    // the first request says it may use almost everything, and really uses 5950
    fake.setReply(() => ({ usage: { prompt_tokens: 5900, completion_tokens: 50 } }));
    await client.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: tpm - prompt });
    fake.setReply(() => ({}));
    const need = prompt + 100;
    const err = await client.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 100 }).then(
      () => assert.fail('expected 429'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.code, 'rate_limited');
    assert.match(err.message, /6000 tokens per minute/);
    // 50 tokens were left; `need - 50` more arrive at 100 a second
    const expected = ((need - 50) * 60_000) / tpm;
    assert.equal(err.headers.get('retry-after-ms'), String(Math.ceil(expected)));
    assert.equal(err.headers.get('retry-after'), '1');

    // the SDK's own retry honours retry-after-ms and then succeeds (the clock moves by what the gateway asked for)
    let refusals = 0;
    const retrying = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: key,
      maxRetries: 2,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (res.status === 429) {
          refusals++;
          clock.advance(Number(res.headers.get('retry-after-ms')));
        }
        return res;
      },
    });
    const res = await retrying.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 100 });
    assert.equal(res.model, 'acme/gpt-fake');
    assert.equal(refusals, 1);
  });

  test('a request larger than the whole tpm budget passes when the bucket is full instead of never', async () => {
    const { key } = gw.mintKey({ tpm: 50 });
    const res = await clientFor(key).chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 1000 });
    assert.equal(res.model, 'acme/gpt-fake');
    const err = await clientFor(key).chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 1000 }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, 'the 17 tokens used must come back first');
  });

  test('streams count their tokens when they end', async () => {
    const { key } = gw.mintKey({ tpm: 1000 });
    const client = clientFor(key);
    fake.setReply(() => ({ usage: { prompt_tokens: 600, completion_tokens: 300 } }));
    const stream = await client.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 10, stream: true });
    for await (const _ of stream) void _;
    fake.setReply(() => ({}));
    const err = await client.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 200 }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, 'the stream’s 900 tokens were counted');
  });
});
