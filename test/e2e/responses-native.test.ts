import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixture, startReplay, type ReplayServer } from '../fakes/replay.js';
import { fakeProvider, startGateway, tempHome, type TestGateway } from '../helpers/gateway.js';
import { openDatabase } from '../../src/store/db.js';

/** An upstream that speaks Responses itself (replays recorded Responses answers) and chat for the rest. */
function reply(body: Record<string, any>, path: string) {
  if (path.endsWith('/responses')) return { fixture: `openai/responses/responses-text.${body.stream ? 'sse' : 'json'}` };
  return { fixture: `openai/responses/chat-text.${body.stream ? 'sse' : 'json'}` };
}

describe('/v1/responses forwarded natively to providers that speak it', () => {
  let oai: ReplayServer;
  let compat: ReplayServer;
  let gw: TestGateway;

  before(async () => {
    oai = await startReplay((req) => reply(req.body, req.path));
    compat = await startReplay((req) => reply(req.body, req.path));
    gw = await startGateway({
      providers: {
        oai: { type: 'openai', base_url: oai.url, api_key: 'sk-upstream-openai-0123456789', models: { 'gpt-4.1': { input: 2, output: 8 } } },
        vllm: { ...fakeProvider(compat.url, { 'qwen-responses': null }), responses: true },
        ollama: fakeProvider(compat.url, { 'llama-chat': null }),
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([oai.close(), compat.close()]);
  });

  test('an openai provider gets the body unchanged except model; the answer comes back as sent with the served model', async () => {
    const sent = { model: 'gpt-4.1', input: 'Tell me a story.', tools: [{ type: 'web_search' }], include: ['reasoning.encrypted_content'], reasoning: { effort: 'low', summary: 'auto' }, store: false };
    const { data, response } = await gw.client.responses.create(sent as never).withResponse();
    const upstream = oai.requests.at(-1)!;
    assert.equal(upstream.path, '/v1/responses');
    assert.deepEqual(upstream.body, { ...sent, model: 'gpt-4.1' });
    assert.equal(upstream.headers.authorization, 'Bearer sk-upstream-openai-0123456789');
    const recorded = JSON.parse(fixture('openai/responses/responses-text.json'));
    assert.deepEqual({ ...data, output_text: undefined }, { ...recorded, model: 'oai/gpt-4.1', output_text: undefined });
    const record = (await gw.usage()).find((r) => r.requestId === response.headers.get('x-request-id'))!;
    assert.equal(record.endpoint, 'responses');
    assert.equal(record.provider, 'oai');
    assert.deepEqual([record.promptTokens, record.completionTokens], [36, 87]);
  });

  test('a native stream passes event by event (model renamed); finalResponse() and usage come from response.completed', async () => {
    const stream = gw.client.responses.stream({ model: 'gpt-4.1', input: 'Say hello' });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    const final = await stream.finalResponse();
    assert.deepEqual(types, ['response.created', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.output_item.done', 'response.completed']);
    assert.equal(final.output_text, 'Hello world');
    assert.equal(final.model, 'oai/gpt-4.1');
    assert.equal(oai.requests.at(-1)!.body.stream, true);
    const record = (await gw.usage()).at(-1)!;
    assert.deepEqual([record.endpoint, record.promptTokens, record.completionTokens], ['responses', 10, 2]);
  });

  test('an openai-compatible server marked `responses: true` is native; one without it is translated to chat', async () => {
    await gw.client.responses.create({ model: 'qwen-responses', input: 'hi' });
    assert.equal(compat.requests.at(-1)!.path, '/v1/responses');
    await gw.client.responses.create({ model: 'llama-chat', input: 'hi' });
    assert.equal(compat.requests.at(-1)!.path, '/v1/chat/completions');
  });

  test('built-in tools go to providers that run them, and are a 400 for a model served by translation', async () => {
    await assert.rejects(gw.client.responses.create({ model: 'llama-chat', input: 'news?', tools: [{ type: 'web_search' }] }), (e: any) => e.status === 400 && e.error.param === 'tools[0].type');
  });

  test('previous_response_id after a native turn: the provider gets the stored conversation as input, and the next turn may go to another provider', async () => {
    const first = await gw.client.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.' });
    assert.equal(first.id, 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b');
    // (the recorded answer always carries that id: the native turn comes last, as it stores over it)
    await gw.client.responses.create({ model: 'llama-chat', input: 'Shorter?', previous_response_id: first.id });
    const messages = compat.requests.at(-1)!.body.messages;
    assert.deepEqual(messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
    assert.match(messages[1].content, /^In a peaceful grove/);

    await gw.client.responses.create({ model: 'gpt-4.1', input: 'Shorter?', previous_response_id: first.id });
    const body = oai.requests.at(-1)!.body;
    assert.equal(body.previous_response_id, undefined);
    assert.deepEqual(body.input.map((i: any) => [i.type, i.role]), [['message', 'user'], ['message', 'assistant'], ['message', 'user']]);
    assert.ok(body.input.every((i: any) => i.id === undefined));
  });
});

describe('a native answer is kept only when the request lets it be stored', () => {
  let oai: ReplayServer;
  let gw: TestGateway;
  before(async () => {
    oai = await startReplay((req) => reply(req.body, req.path));
    gw = await startGateway({
      providers: { oai: { type: 'openai', base_url: oai.url, api_key: 'sk-upstream-openai-0123456789', models: { 'gpt-4.1': { input: 2, output: 8 } } } },
    });
  });
  after(async () => {
    await gw.close();
    await oai.close();
  });

  test('store: false passes the answer on and keeps nothing; store left out keeps it for retrieve', async () => {
    const unstored = await gw.client.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.', store: false });
    assert.equal(unstored.model, 'oai/gpt-4.1');
    await assert.rejects(gw.client.responses.retrieve(unstored.id), (err: any) => err.status === 404);
    const stored = await gw.client.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.' });
    assert.equal(stored.id, unstored.id); // the recorded answer's id, the same both times
    // queued before the answer was sent: retrievable at once
    assert.equal((await gw.client.responses.retrieve(stored.id)).id, stored.id);
  });
});

test('stored answers still waiting for their window are served, and written when the daemon stops', async () => {
  const oai = await startReplay((req) => reply(req.body, req.path));
  const home = tempHome();
  const gw = await startGateway(
    { providers: { oai: { type: 'openai', base_url: oai.url, api_key: 'sk-upstream-openai-0123456789', models: { 'gpt-4.1': { input: 2, output: 8 } } } } },
    { home, responsesWindowMs: 60_000 },
  );
  try {
    const first = await gw.client.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.' });
    assert.equal((await gw.client.responses.retrieve(first.id)).id, first.id, 'read from the queue');
    const db = openDatabase(gw.paths.db);
    assert.equal(db.prepare('SELECT COUNT(*) FROM responses').pluck().get(), 0, 'not written yet');
    db.close();
    await gw.close();
    const reopened = openDatabase(gw.paths.db);
    const row = reopened.prepare('SELECT response FROM responses WHERE id = ?').get(first.id) as { response: string } | undefined;
    reopened.close();
    assert.equal(JSON.parse(row?.response ?? '{}').model, 'oai/gpt-4.1', 'written at shutdown, as the client got it');
  } finally {
    await oai.close();
  }
});
