import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { parse } from 'yaml';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startGateway, tempHome, writeConfig, type TestGateway } from '../helpers/gateway.js';
import { runTokenhub } from '../providers/run-cli.js';

const MODEL = 'claude-sonnet-4-5';
const PRICES = { input: 3, output: 15, cached_input: 0.3, max_output: 8000 };
const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

describe('Anthropic behind the OpenAI SDK', () => {
  let fake: FakeAnthropic;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeAnthropic();
    gw = await startGateway({
      providers: {
        claude: { type: 'anthropic', base_url: fake.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: PRICES } },
        // Same fake, other key; dearer, so `cost` tries it second.
        'claude-backup': { type: 'anthropic', base_url: fake.url, api_key: 'sk-ant-backup-0123456789', models: { [MODEL]: { ...PRICES, input: 30 } } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });
  const reset = () => fake.setReply(() => ({}));

  test('non-streaming text comes back OpenAI-shaped, with Anthropic headers upstream and max_tokens defaulted', async () => {
    const res = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, `claude/${MODEL}`);
    assert.equal(res.choices[0]!.message.content, 'Hello from Claude');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, 21);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], 'sk-ant-upstream-0123456789');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.body.max_tokens, 8000);
  });

  test('multi-turn with system: system moves to `system`, turns alternate', async () => {
    await gw.client.chat.completions.create({
      model: `claude/${MODEL}`,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Name a colour.' },
        { role: 'assistant', content: 'Blue.' },
        { role: 'user', content: 'Another.' },
        { role: 'user', content: 'Quickly.' },
      ],
      temperature: 0.5,
      stop: ['\n\n'],
    });
    const body = fake.requests.at(-1)!.body;
    assert.equal(body.system, 'You are terse.');
    assert.deepEqual(body.messages.map((m: { role: string }) => m.role), ['user', 'assistant', 'user']);
    assert.equal(body.messages[2].content.length, 2);
    assert.equal(body.temperature, 0.5);
    assert.deepEqual(body.stop_sequences, ['\n\n']);
  });

  test('images: data URLs become base64 sources, https URLs url sources', async () => {
    await gw.client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe both.' },
            { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
      ],
    });
    const blocks = fake.requests.at(-1)!.body.messages[0].content;
    assert.deepEqual(blocks[1], { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGRg==' } });
    assert.deepEqual(blocks[2], { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } });
  });

  test('tool calling round trip, streamed, accumulated by the SDK itself', async () => {
    fake.setReply(() => ({ pieces: ['Checking.'], toolCalls: [{ id: 'toolu_e2e1', name: 'get_weather', input: { city: 'Paris, «FR»' } }] }));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const runner = gw.client.chat.completions.stream({ model: MODEL, messages, tools: TOOLS, tool_choice: 'auto' });
    const first = await runner.finalChatCompletion();
    const msg = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(msg.content, 'Checking.');
    assert.equal(msg.tool_calls?.length, 1);
    const call = msg.tool_calls![0]!;
    assert.equal(call.type, 'function');
    assert.equal(call.id, 'toolu_e2e1');
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    assert.deepEqual(call.type === 'function' && JSON.parse(call.function.arguments), { city: 'Paris, «FR»' });
    const sentTools = fake.requests.at(-1)!.body;
    assert.deepEqual(sentTools.tools[0].input_schema.required, ['city']);
    assert.deepEqual(sentTools.tool_choice, { type: 'auto' });

    fake.setReply(() => ({ pieces: ['Sunny, 24°C.'] }));
    messages.push(msg, { role: 'tool', tool_call_id: call.id, content: '{"temp":24,"sky":"clear"}' });
    const second = await gw.client.chat.completions.stream({ model: MODEL, messages, tools: TOOLS }).finalChatCompletion();
    assert.equal(second.choices[0]!.message.content, 'Sunny, 24°C.');
    const history = fake.requests.at(-1)!.body.messages;
    assert.deepEqual(history[1].content, [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_e2e1', name: 'get_weather', input: { city: 'Paris, «FR»' } },
    ]);
    assert.deepEqual(history[2].content, [{ type: 'tool_result', tool_use_id: 'toolu_e2e1', content: '{"temp":24,"sky":"clear"}' }]);
    reset();
  });

  test('stop reasons map to finish_reason, streaming and not', async () => {
    fake.setReply(() => ({ stopReason: 'max_tokens' }));
    const plain = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'long' }], max_tokens: 3 });
    assert.equal(plain.choices[0]!.finish_reason, 'length');
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 3);
    fake.setReply(() => ({ stopReason: 'stop_sequence', sliceBytes: 5 }));
    const stream = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) for (const c of chunk.choices) if (c.finish_reason) finishes.push(c.finish_reason);
    assert.deepEqual(finishes, ['stop']);
    reset();
  });

  test('streamed usage reaches the client on request and the DB matches what the fake reported', async () => {
    const usage = { input_tokens: 40, output_tokens: 7, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 };
    fake.setReply(() => ({ usage, sliceBytes: 3 }));
    const stream = await gw.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let reported;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) reported = chunk.usage;
    }
    assert.equal(text, 'Hello from Claude');
    assert.equal(reported?.prompt_tokens, 1240);
    assert.equal(reported?.completion_tokens, 7);
    assert.equal(reported?.prompt_tokens_details?.cached_tokens, 1000);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.provider, 'claude');
    assert.equal(rec.stream, true);
    assert.equal(rec.usageEstimated, false);
    assert.deepEqual([rec.promptTokens, rec.completionTokens, rec.cachedTokens], [1240, 7, 1000]);
    reset();
  });

  test('non-streaming usage is recorded as the fake reported it', async () => {
    fake.setReply(() => ({ usage: { input_tokens: 11, output_tokens: 3, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 } }));
    await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    const rec = (await gw.usage()).at(-1)!;
    assert.deepEqual([rec.promptTokens, rec.completionTokens, rec.cachedTokens, rec.usageEstimated], [16, 3, 5, false]);
    reset();
  });

  test('an Anthropic 400 comes back as an OpenAI BadRequestError, not failed over', async () => {
    fake.setReply(() => ({ status: 400, errorType: 'invalid_request_error', errorMessage: 'messages.0.content: image too large' }));
    const before = fake.requests.length;
    const err = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.match(err.message, /image too large/);
    assert.equal(err.type, 'invalid_request_error');
    assert.equal(fake.requests.length - before, 1);
    reset();
  });

  test('overloaded (529) fails over to the next provider, streaming and not', async () => {
    fake.setReply((req) => (req.headers['x-api-key'] === 'sk-ant-upstream-0123456789' ? { status: 529, errorType: 'overloaded_error', errorMessage: 'Overloaded' } : {}));
    const { data, response } = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(data.model, `claude-backup/${MODEL}`);
    assert.equal(response.headers.get('x-inferoute-provider'), 'claude-backup');
    const stream = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    assert.deepEqual([...models], [`claude-backup/${MODEL}`]);
    reset();
  });

  test('an overloaded error event before any output still fails over', async () => {
    const primary = (req: { headers: Record<string, unknown> }) => req.headers['x-api-key'] === 'sk-ant-upstream-0123456789';
    fake.setReply((req) => (primary(req) ? { streamError: { type: 'overloaded_error', message: 'Overloaded' }, streamErrorAt: 'start' } : {}));
    const stream = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const chunk of stream) {
      assert.equal(chunk.model, `claude-backup/${MODEL}`);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'Hello from Claude');
    reset();
  });

  test('an error event mid-stream reaches the SDK as an APIError', async () => {
    fake.setReply(() => ({ streamError: { type: 'overloaded_error', message: 'Overloaded' } }));
    const stream = await gw.client.chat.completions.create({ model: `claude/${MODEL}`, messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    assert.equal(text, 'Hello');
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match(String(err.message), /Overloaded/);
    reset();
  });

  test('legacy completions work, streaming and not', async () => {
    const plain = await gw.client.completions.create({ model: MODEL, prompt: 'Say hello' });
    assert.equal(plain.object, 'text_completion');
    assert.equal(plain.choices[0]!.text, 'Hello from Claude');
    assert.deepEqual(fake.requests.at(-1)!.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }]);
    const stream = await gw.client.completions.create({ model: MODEL, prompt: 'Say hello', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, 'Hello from Claude');
  });

  test('embeddings are refused without reaching Anthropic, which has no embeddings API', async () => {
    const before = fake.requests.length;
    const err = await gw.client.embeddings.create({ model: MODEL, input: 'x' }).catch((e) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.code, 'invalid_request_error');
    assert.match(err.message, /anthropic providers do not support embeddings/);
    assert.equal(fake.requests.length, before);
  });
});

describe('tokenhub providers, for Anthropic', () => {
  test('add --preset anthropic fills type and ANTHROPIC_API_KEY; test sends a tiny request and lists models', async () => {
    const fake = await startFakeAnthropic(() => ({ pieces: ['OK'] }));
    const home = tempHome();
    try {
      writeConfig(home, { providers: {} });
      const added = await runTokenhub(['providers', 'add', 'claude', '--preset', 'anthropic', '--base-url', fake.url, '--model', `${MODEL}:3:15`], home);
      assert.equal(added.code, 0, added.stderr);
      const config = parse(readFileSync(join(home, 'config.yaml'), 'utf8'));
      assert.deepEqual(config.providers.claude, { type: 'anthropic', base_url: fake.url, api_key_env: 'ANTHROPIC_API_KEY', models: { [MODEL]: { input: 3, output: 15 } } });

      process.env.TOKENHUB_TEST_ANTHROPIC_KEY = 'sk-ant-cli-0123456789';
      writeConfig(home, { providers: { claude: { ...config.providers.claude, api_key_env: 'TOKENHUB_TEST_ANTHROPIC_KEY' } } });
      const probed = await runTokenhub(['providers', 'test', 'claude', '--json'], home);
      assert.equal(probed.code, 0, probed.stderr);
      const r = JSON.parse(probed.stdout);
      assert.equal(r.request.ok, true);
      assert.equal(r.request.status, 200);
      assert.equal(r.request.reply, 'OK');
      assert.ok(r.request.latencyMs >= 0);
      assert.deepEqual(r.models.ids, ['claude-sonnet-4-5', 'claude-haiku-4-5']);
      assert.equal(fake.requests[0]!.headers['x-api-key'], 'sk-ant-cli-0123456789');
      assert.equal(fake.requests[0]!.body.max_tokens, 5);
      assert.equal(fake.requests[1]!.path, '/v1/models');

      fake.setReply(() => ({ status: 400, errorType: 'invalid_request_error', errorMessage: 'model: not a real model' }));
      const failed = await runTokenhub(['providers', 'test', 'claude'], home);
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /400 .*not a real model/);
      assert.match(failed.stdout, /models\s+2: claude-sonnet-4-5, claude-haiku-4-5/);
    } finally {
      delete process.env.TOKENHUB_TEST_ANTHROPIC_KEY;
      rmSync(home, { recursive: true, force: true });
      await fake.close();
    }
  });

  test('add refuses a preset that contradicts --type, and needs one of them', async () => {
    const home = tempHome();
    try {
      writeConfig(home, { providers: {} });
      const clash = await runTokenhub(['providers', 'add', 'x', '--preset', 'groq', '--type', 'anthropic'], home);
      assert.equal(clash.code, 2);
      assert.match(clash.stderr, /--preset groq means --type openai-compatible/);
      const none = await runTokenhub(['providers', 'add', 'x'], home);
      assert.equal(none.code, 2);
      const ollama = await runTokenhub(['providers', 'add', 'local', '--preset', 'ollama', '--model', 'llama3.2:3b'], home);
      assert.equal(ollama.code, 0, ollama.stderr);
      const config = parse(readFileSync(join(home, 'config.yaml'), 'utf8'));
      assert.deepEqual(config.providers.local, { type: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1', models: { 'llama3.2:3b': {} } });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
