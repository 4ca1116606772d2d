import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { GatewayError } from '../../src/errors.js';
import { answerId } from '../../src/inbound/responses/ids.js';
import { fixture } from '../fakes/replay.js';
import { toChatRequest } from '../../src/inbound/responses/request.js';
import { toResponse, type ResponseMeta } from '../../src/inbound/responses/response.js';
import { ResponsesEventWriter } from '../../src/inbound/responses/stream.js';

const meta = (custom: string[] = []): ResponseMeta => ({ id: 'resp_abc', createdAt: 1, model: 'm', customTools: new Set(custom), echo: {} });
const usage = { promptTokens: 10, completionTokens: 5, cachedTokens: 2 };

/** Runs chat chunks through the writer; returns the frames' events and the SDK accumulator's final snapshot. */
function stream(chunks: object[], custom: string[] = []) {
  const writer = new ResponsesEventWriter({ ...meta(custom), promptEstimate: 3 });
  const frames = [...chunks.flatMap((c) => writer.push(JSON.stringify(c))), ...writer.push('[DONE]')];
  const events = frames.map((f) => JSON.parse(f.split('\n')[1]!.slice(6)) as ResponseStreamEvent);
  let acc;
  for (const ev of events) acc = accumulateResponse(ev, acc);
  // the accumulator adds the SDK's convenience `output_text`, which is not on the wire
  const { output_text: _, ...snapshot } = acc!;
  return { events, snapshot, final: writer.final() };
}
const delta = (d: object, finish: string | null = null) => ({ model: 'p/m', choices: [{ index: 0, delta: d, finish_reason: finish }] });

test('input items → chat messages: developer as system, parts, images, files, calls grouped with their reasoning', () => {
  const { body } = toChatRequest({
    model: 'm',
    input: [
      { type: 'message', role: 'developer', content: 'rules' },
      { role: 'user', content: [{ type: 'input_text', text: 'see ' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }, { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,BBBB' }] },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'think' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
      { type: 'function_call', call_id: 'c2', name: 'f', arguments: '{"a":2}' },
      { type: 'function_call_output', call_id: 'c1', output: 'one' },
      { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
    ],
  });
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'rules' },
    { role: 'user', content: [{ type: 'text', text: 'see ' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }, { type: 'file', file: { file_data: 'data:application/pdf;base64,BBBB', filename: 'a.pdf' } }] },
    {
      role: 'assistant',
      content: 'Looking.',
      reasoning_content: 'think',
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
        { id: 'c2', type: 'function', function: { name: 'f', arguments: '{"a":2}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'one' },
    { role: 'tool', tool_call_id: 'c2', content: 'two' },
  ]);
});

test('a custom (freeform) tool becomes a function with one string `input`; its call comes back as custom_tool_call', () => {
  const req = toChatRequest({
    model: 'm',
    input: 'patch it',
    tools: [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } }],
    tool_choice: { type: 'custom', name: 'apply_patch' },
  });
  const fn = (req.body.tools as any[])[0].function;
  assert.equal(fn.name, 'apply_patch');
  assert.deepEqual(fn.parameters.required, ['input']);
  assert.match(fn.description, /Apply a patch[\s\S]*lark grammar:\nstart: "\*\*\* Begin Patch"/);
  assert.deepEqual(req.body.tool_choice, { type: 'function', function: { name: 'apply_patch' } });

  const patch = '*** Begin Patch\n*** End Patch';
  const call = { id: 'call_p', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: patch }) } };
  const r = toResponse({ choices: [{ message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }] }, meta(['apply_patch']), usage);
  assert.deepEqual(r.output, [{ id: 'ctc_abc0', type: 'custom_tool_call', status: 'completed', call_id: 'call_p', name: 'apply_patch', input: patch }]);

  const s = stream([delta({ tool_calls: [{ index: 0, id: 'call_p', function: { name: 'apply_patch', arguments: '' } }] }), delta({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify({ input: patch }) } }] }), delta({}, 'tool_calls')], ['apply_patch']);
  assert.deepEqual(s.snapshot.output, r.output);
  assert.ok(s.events.some((e) => e.type === 'response.custom_tool_call_input.done'));

  // and the next turn sends the call back as a function call with the same one argument
  const next = toChatRequest({ model: 'm', input: [{ type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: patch }, { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done' }] });
  assert.deepEqual((next.body.messages as any[])[0].tool_calls[0].function, { name: 'apply_patch', arguments: JSON.stringify({ input: patch }) });
});

test('reasoning streams as summary events; thinking signatures ride in encrypted_content and come back as thinking_blocks', () => {
  const s = stream([
    delta({ reasoning_content: 'Let me ' }),
    delta({ reasoning_content: 'think.' }),
    delta({ thinking_blocks: [{ type: 'thinking', thinking: 'Let me think.', signature: 'sig==' }] }),
    delta({ content: '42' }),
    { model: 'p/m', choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 4 } } },
  ]);
  const types = s.events.map((e) => e.type);
  assert.deepEqual(types.slice(2, 5), ['response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta']);
  assert.ok(types.indexOf('response.reasoning_summary_part.done') < types.indexOf('response.content_part.added'));
  const [rs, msg] = s.snapshot.output as any[];
  assert.deepEqual(rs.summary, [{ type: 'summary_text', text: 'Let me think.' }]);
  assert.equal(msg.content[0].text, '42');
  assert.deepEqual(s.snapshot, s.final);
  assert.equal((s.final!.usage as any).output_tokens_details.reasoning_tokens, 4);

  const back = toChatRequest({ model: 'm', input: [{ role: 'user', content: 'q' }, ...(s.final!.output as object[]), { role: 'user', content: 'more' }] });
  const assistant = (back.body.messages as any[])[1];
  assert.equal(assistant.reasoning_content, 'Let me think.');
  assert.deepEqual(assistant.thinking_blocks, [{ type: 'thinking', thinking: 'Let me think.', signature: 'sig==' }]);
  assert.equal(assistant.content, '42');
});

test('the non-streamed Response and the stream accumulated by the SDK are the same object', () => {
  const completion = {
    model: 'p/m',
    choices: [{ message: { role: 'assistant', content: 'Hi', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'length' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 2 } },
  };
  const plain = toResponse(completion, meta(), usage);
  const s = stream([delta({ content: 'Hi' }), delta({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] }), delta({}, 'length'), { model: 'p/m', choices: [], usage: completion.usage }]);
  assert.deepEqual(s.final, plain);
  assert.deepEqual(s.snapshot, plain);
  assert.equal(plain.status, 'incomplete');
  assert.equal(s.events.at(-1)!.type, 'response.incomplete');
});

test('an error inside the chat stream becomes response.failed and nothing after it', () => {
  const writer = new ResponsesEventWriter({ ...meta(), promptEstimate: 3 });
  writer.push(JSON.stringify(delta({ content: 'par' })));
  const frames = writer.push(JSON.stringify({ error: { message: 'upstream died', type: 'api_error', code: 'upstream_error' } }));
  const last = JSON.parse(frames.at(-1)!.split('\n')[1]!.slice(6));
  assert.equal(last.type, 'response.failed');
  assert.deepEqual(last.response.error, { code: 'upstream_error', message: 'upstream died' });
  assert.deepEqual(writer.end(), []);
  assert.equal(writer.final(), null);
});

test('request fields that cannot be translated are a 400 naming the field', () => {
  const bad = (raw: object, param: string) => assert.throws(() => toChatRequest(raw), (e: GatewayError) => e.status === 400 && e.param === param);
  bad({ input: 'x' }, 'model');
  bad({ model: 'm' }, 'input');
  // built-in tools and their items: a refusal that applies unless a provider runs them natively
  const refused = (raw: object, param: string) => assert.equal(toChatRequest(raw).refusal?.param, param);
  refused({ model: 'm', input: 'x', tools: [{ type: 'file_search' }] }, 'tools[0].type');
  refused({ model: 'm', input: [{ role: 'user', content: 'q' }, { type: 'web_search_call', id: 'ws_1' }] }, 'input[1].type');
  refused({ model: 'm', input: [{ role: 'user', content: 'q' }, { type: 'item_reference', id: 'msg_elsewhere' }] }, 'input[1].id');
  assert.equal(toChatRequest({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }] }).refusal, undefined);
  bad({ model: 'm', input: 'x', text: { format: { type: 'yaml' } } }, 'text.format.type');
  bad({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0].image_url');
});

test("a namespace tool's functions become namespace__name in chat; their calls come back with name and namespace", () => {
  const tools = [{ type: 'namespace', name: 'multi_agent_v1', description: 'Sub-agents', tools: [{ type: 'function', name: 'close_agent', parameters: { type: 'object', properties: { target: { type: 'string' } } } }] }];
  const req = toChatRequest({ model: 'm', input: 'go', tools });
  assert.deepEqual((req.body.tools as any[]).map((t) => t.function.name), ['multi_agent_v1__close_agent']);
  const m: ResponseMeta = { ...meta(), namespaced: req.namespaced };
  const call = { id: 'call_n', type: 'function', function: { name: 'multi_agent_v1__close_agent', arguments: '{"target":"a1"}' } };
  const r = toResponse({ choices: [{ message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }] }, m, usage);
  assert.deepEqual(r.output, [{ id: 'fc_abc0', type: 'function_call', status: 'completed', arguments: '{"target":"a1"}', call_id: 'call_n', name: 'close_agent', namespace: 'multi_agent_v1' }]);
  const writer = new ResponsesEventWriter({ ...m, promptEstimate: 1 });
  writer.push(JSON.stringify(delta({ tool_calls: [{ index: 0, ...call }] }, 'tool_calls')));
  writer.end();
  assert.deepEqual(writer.final()!.output, r.output);
  const next = toChatRequest({ model: 'm', input: [...(r.output as object[]), { type: 'function_call_output', call_id: 'call_n', output: 'closed' }], tools });
  assert.equal((next.body.messages as any[])[0].tool_calls[0].function.name, 'multi_agent_v1__close_agent');
});

test('reasoning that no answer follows (an opaque item from another provider) leaves no empty assistant turn', () => {
  const { body } = toChatRequest({
    model: 'm',
    input: [{ role: 'user', content: 'q' }, { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'gAAAAopaque' }, { role: 'user', content: 'again' }],
  });
  assert.deepEqual(body.messages, [{ role: 'user', content: 'q' }, { role: 'user', content: 'again' }]);
});

test("an answer's own id: read from the text when it comes first, else from a parse, and never a nested item's", () => {
  const recorded = fixture('openai/responses/responses-text.json');
  const id = (JSON.parse(recorded) as { id: string }).id;
  assert.equal(answerId(recorded), id, 'the recorded answer (pretty-printed, id first)');
  const answer = JSON.parse(recorded) as Record<string, unknown>;
  // the same answer with its keys in another order: the first "id" in the text is an output item's
  const { id: _, ...rest } = answer;
  const reordered = JSON.stringify({ ...rest, id });
  assert.ok(reordered.indexOf('"id"') < reordered.lastIndexOf(`"id":"${id}"`));
  assert.equal(answerId(reordered), id);
  assert.equal(answerId(JSON.stringify({ ...answer, id: 'resp_\\"quoted' })), 'resp_\\"quoted', 'an escaped id goes to the parse');
  assert.equal(answerId('{"object":"response"}'), undefined);
  assert.equal(answerId('{"id": 7}'), undefined);
  assert.equal(answerId('not json'), undefined);
});
