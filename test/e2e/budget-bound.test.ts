/**
 * A budgeted request that names no output limit is reserved for the model's output cap,
 * and that cap is forwarded, so a provider cannot write past the reservation (one that
 * wrote 40k tokens against a 4096-token reservation once overspent a budget 8×).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { DEFAULT_OUTPUT_CAP } from '../../src/gateway/budget.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'Write the release notes.' }];

describe('budgets bound the output they reserve for', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  const clientFor = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({
      providers: {
        acme: fakeProvider(fake.url, { capped: { input: 1, output: 2, max_output: 700 } as never, uncapped: { input: 1, output: 2 } }),
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test("a budgeted key's request without max_tokens goes out with the model's max_output, or the default cap", async () => {
    const { key } = gw.mintKey({ budgetUsd: 10, budgetPeriod: 'total' });
    await clientFor(key).chat.completions.create({ model: 'capped', messages });
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 700);
    await clientFor(key).chat.completions.create({ model: 'uncapped', messages });
    assert.equal(fake.requests.at(-1)!.body.max_tokens, DEFAULT_OUTPUT_CAP);
  });

  test("the client's own limit is kept, and a key without a budget is not bounded", async () => {
    const { key } = gw.mintKey({ budgetUsd: 10, budgetPeriod: 'total' });
    await clientFor(key).chat.completions.create({ model: 'capped', messages, max_tokens: 50 });
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 50);
    await gw.client.chat.completions.create({ model: 'uncapped', messages });
    const body = fake.requests.at(-1)!.body;
    assert.equal(body.max_tokens, undefined);
    assert.equal(body.max_completion_tokens, undefined);
  });
});
