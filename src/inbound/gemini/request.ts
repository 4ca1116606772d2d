/**
 * Gemini's API as an inbound protocol (https://ai.google.dev/api/generate-content): a
 * client's GenerateContentRequest → the OpenAI chat body the pipeline takes. The reverse
 * of request.ts. Thought signatures ride on `extra_content.google.thought_signature`
 * (Google's own OpenAI-compat convention), so a Gemini provider gets them back.
 */
import { invalidRequest, type GatewayError } from '../../errors.js';
import { isObject, markTranslated, type Json } from '../../providers/openai-shape.js';
import type { OpenAIBody } from '../../providers/types.js';
import { SKIP_SIGNATURE } from '../../providers/gemini/ids.js';

/** What the request asked that the chat body cannot say, for the answer's translation and the log. */
export interface GeminiRequestNotes {
  /** generationConfig.thinkingConfig.includeThoughts: answer thought parts */
  includeThoughts: boolean;
  /** fields dropped because no provider but Gemini understands them (sampling hints, safety) */
  ignored: string[];
  /**
   * The first thing the chat body cannot carry without changing the request's meaning (a
   * code-execution part, a built-in tool, cached content): the 400 for a provider that
   * needs the translation. A Gemini provider still gets the request as sent.
   */
  refusal?: GatewayError;
}

function refuse(notes: GeminiRequestNotes, param: string, what: string): void {
  notes.refusal ??= invalidRequest(`${param}: ${what} cannot be translated for a non-Gemini provider`, param);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Google's stand-in for "no signature" (Gemini CLI sends it on calls it did not get signed) says nothing: dropped. */
const signed = (signature: unknown): Json | undefined =>
  typeof signature === 'string' && signature !== '' && signature !== SKIP_SIGNATURE ? { google: { thought_signature: signature } } : undefined;

/** Google's OpenAPI-subset Schema (`type: 'OBJECT'`) → JSON Schema (`type: 'object'`); the rest carries over. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type' && typeof v === 'string') out.type = v.toLowerCase();
    else if (k === 'nullable') continue;
    else if (k === 'properties' && isObject(v)) out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s)]));
    else if (k === 'propertyOrdering') continue;
    else out[k] = toJsonSchema(v);
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** inlineData → an OpenAI content part: images and audio have their own, anything else (PDF…) goes as a file. */
function inlinePart(d: Json, where: string): Json {
  const mime = typeof d.mimeType === 'string' ? d.mimeType : '';
  const data = typeof d.data === 'string' ? d.data : '';
  if (mime === '' || data === '') throw invalidRequest(`${where}.inlineData: mimeType and data are required`, 'contents');
  if (mime.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${mime};base64,${data}` } };
  const audio = /^audio\/(wav|x-wav|mp3|mpeg)$/.exec(mime)?.[1];
  if (audio) return { type: 'input_audio', input_audio: { data, format: audio.endsWith('wav') ? 'wav' : 'mp3' } };
  return { type: 'file', file: { file_data: `data:${mime};base64,${data}`, filename: typeof d.displayName === 'string' ? d.displayName : 'file' } };
}

interface Turn {
  role: 'user' | 'model';
  parts: Json[];
  where: string;
}

/** Ids for calls and their answers: Gemini's own when given, else made up and matched by name, in order. */
class CallIds {
  private n = 0;
  private readonly open: { id: string; name: string }[] = [];

  forCall(fc: Json): string {
    const id = typeof fc.id === 'string' && fc.id !== '' ? fc.id : `call_gemini_${this.n}`;
    this.n++;
    this.open.push({ id, name: String(fc.name ?? '') });
    return id;
  }

  forResponse(fr: Json): string {
    const given = typeof fr.id === 'string' && fr.id !== '' ? fr.id : undefined;
    const i = this.open.findIndex((c) => (given ? c.id === given : c.name === fr.name));
    if (i >= 0) return this.open.splice(i, 1)[0]!.id;
    return given ?? `call_gemini_${this.n++}`;
  }
}

function modelMessage(turn: Turn, ids: CallIds, notes: GeminiRequestNotes): Json {
  let text = '';
  let reasoning = '';
  let signature: Json | undefined;
  const toolCalls: Json[] = [];
  turn.parts.forEach((p, j) => {
    if (isObject(p.functionCall)) {
      const fc = p.functionCall;
      const call: Json = { id: ids.forCall(fc), type: 'function', function: { name: String(fc.name ?? ''), arguments: JSON.stringify(fc.args ?? {}) } };
      const extra = signed(p.thoughtSignature);
      if (extra) call.extra_content = extra;
      toolCalls.push(call);
    } else if (typeof p.text === 'string') {
      if (p.thought === true) reasoning += p.text;
      else text += p.text;
      signature ??= signed(p.thoughtSignature);
    } else if (!('thoughtSignature' in p && Object.keys(p).length === 1)) {
      refuse(notes, `${turn.where}.parts[${j}]`, `a model part with ${Object.keys(p).join(', ') || 'nothing'}`);
    }
  });
  const msg: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (reasoning !== '') msg.reasoning_content = reasoning;
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  if (signature) msg.extra_content = signature;
  return msg;
}

function userMessages(turn: Turn, ids: CallIds, notes: GeminiRequestNotes): Json[] {
  const tools: Json[] = [];
  const parts: Json[] = [];
  turn.parts.forEach((p, j) => {
    const where = `${turn.where}.parts[${j}]`;
    if (typeof p.text === 'string') parts.push({ type: 'text', text: p.text });
    else if (isObject(p.inlineData)) parts.push(inlinePart(p.inlineData, where));
    else if (isObject(p.fileData)) {
      const uri = typeof p.fileData.fileUri === 'string' ? p.fileData.fileUri : '';
      if (uri === '') throw invalidRequest(`${where}.fileData.fileUri: Field required`, 'contents');
      parts.push({ type: 'image_url', image_url: { url: uri } });
    } else if (isObject(p.functionResponse)) {
      const fr = p.functionResponse;
      // OpenAI tool messages carry text: the response object as JSON, as request.ts unpacks it.
      tools.push({ role: 'tool', tool_call_id: ids.forResponse(fr), content: JSON.stringify(fr.response ?? {}) });
    } else {
      refuse(notes, where, `a part with ${Object.keys(p).join(', ') || 'nothing'}`);
    }
  });
  const out = tools;
  if (parts.length === 1 && parts[0]!.type === 'text') out.push({ role: 'user', content: parts[0]!.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function toTurns(contents: unknown): Turn[] {
  if (contents === undefined) throw invalidRequest('* GenerateContentRequest.contents: contents is not specified', 'contents');
  // The SDKs accept a bare Content or a string; on the wire it is always a list.
  if (!Array.isArray(contents)) throw invalidRequest(`contents: expected a list of Content, got ${typeName(contents)}`, 'contents');
  if (contents.length === 0) throw invalidRequest('* GenerateContentRequest.contents: contents is not specified', 'contents');
  return contents.map((c, i) => {
    const where = `contents[${i}]`;
    if (!isObject(c)) throw invalidRequest(`${where}: expected a Content object`, 'contents');
    const role = c.role ?? 'user';
    if (role !== 'user' && role !== 'model' && role !== 'function') throw invalidRequest(`${where}.role: Please use a valid role: user, model.`, 'contents');
    if (!Array.isArray(c.parts)) throw invalidRequest(`${where}.parts: expected a list of Part`, 'contents');
    if (!c.parts.every(isObject)) throw invalidRequest(`${where}.parts: every Part must be an object`, 'contents');
    return { role: role === 'model' ? 'model' : 'user', parts: c.parts as Json[], where };
  });
}

function systemText(si: unknown): string {
  if (si == null) return '';
  if (typeof si === 'string') return si;
  if (!isObject(si) || !Array.isArray(si.parts)) throw invalidRequest('systemInstruction: expected a Content with parts', 'systemInstruction');
  return si.parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('\n');
}

function toTools(tools: unknown, notes: GeminiRequestNotes): Json[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest('tools: expected a list of Tool', 'tools');
  const out: Json[] = [];
  for (const tool of tools) {
    if (!isObject(tool)) throw invalidRequest('tools: every Tool must be an object', 'tools');
    // Built-in tools (googleSearch, codeExecution, urlContext…) run at Google: no other provider has them.
    for (const key of Object.keys(tool)) if (key !== 'functionDeclarations') refuse(notes, `tools.${key}`, 'a built-in Gemini tool');
    for (const fd of Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []) {
      if (!isObject(fd) || typeof fd.name !== 'string') throw invalidRequest('tools.functionDeclarations: every declaration needs a name', 'tools');
      const fn: Json = { name: fd.name };
      if (typeof fd.description === 'string') fn.description = fd.description;
      const params = isObject(fd.parametersJsonSchema) ? fd.parametersJsonSchema : isObject(fd.parameters) ? toJsonSchema(fd.parameters) : undefined;
      fn.parameters = params ?? { type: 'object', properties: {} };
      out.push({ type: 'function', function: fn });
    }
  }
  return out.length > 0 ? out : undefined;
}

function toToolChoice(config: unknown): Json | string | undefined {
  const fcc = isObject(config) && isObject(config.functionCallingConfig) ? config.functionCallingConfig : undefined;
  if (!fcc) return undefined;
  const names = Array.isArray(fcc.allowedFunctionNames) ? fcc.allowedFunctionNames.filter((n) => typeof n === 'string') : [];
  switch (fcc.mode) {
    case 'NONE':
      return 'none';
    case 'ANY':
      return names.length === 1 ? { type: 'function', function: { name: names[0] } } : 'required';
    case 'AUTO':
    case 'VALIDATED':
    case 'MODE_UNSPECIFIED':
    case undefined:
      return 'auto';
    default:
      throw invalidRequest(`toolConfig.functionCallingConfig.mode: unknown mode ${String(fcc.mode)}`, 'toolConfig');
  }
}

/** thinkingLevel is said directly; a thinkingBudget is bucketed (0 → minimal, -1 dynamic → left to the model). */
function reasoningEffort(tc: Json): string | undefined {
  if (typeof tc.thinkingLevel === 'string' && /^(minimal|low|medium|high)$/i.test(tc.thinkingLevel)) return tc.thinkingLevel.toLowerCase();
  const b = tc.thinkingBudget;
  if (typeof b !== 'number' || b < 0) return undefined;
  return b === 0 ? 'minimal' : b <= 1024 ? 'low' : b <= 8192 ? 'medium' : 'high';
}

function applyGenerationConfig(body: OpenAIBody, g: unknown, notes: GeminiRequestNotes): void {
  if (g == null) return;
  if (!isObject(g)) throw invalidRequest('generationConfig: expected an object', 'generationConfig');
  if (typeof g.temperature === 'number') body.temperature = g.temperature;
  if (typeof g.topP === 'number') body.top_p = g.topP;
  // OpenAI has no top_k and refuses unknown fields; a native Gemini provider still gets it.
  if (g.topK !== undefined) notes.ignored.push('generationConfig.topK');
  if (typeof g.maxOutputTokens === 'number') body.max_tokens = g.maxOutputTokens;
  if (typeof g.candidateCount === 'number' && g.candidateCount !== 1) body.n = g.candidateCount;
  if (Array.isArray(g.stopSequences) && g.stopSequences.length > 0) body.stop = g.stopSequences;
  if (typeof g.presencePenalty === 'number') body.presence_penalty = g.presencePenalty;
  if (typeof g.frequencyPenalty === 'number') body.frequency_penalty = g.frequencyPenalty;
  if (typeof g.seed === 'number') body.seed = g.seed;
  const schema = isObject(g.responseJsonSchema) ? g.responseJsonSchema : isObject(g.responseSchema) ? toJsonSchema(g.responseSchema) : undefined;
  if (schema) body.response_format = { type: 'json_schema', json_schema: { name: 'response', schema } };
  else if (g.responseMimeType === 'application/json') body.response_format = { type: 'json_object' };
  if (isObject(g.thinkingConfig)) {
    const effort = reasoningEffort(g.thinkingConfig);
    if (effort) body.reasoning_effort = effort;
    // Gemini's budget is in tokens, as Anthropic's is: said exactly where it fits Anthropic's rules
    // (at least 1024, below max_tokens); other providers read reasoning_effort.
    const budget = g.thinkingConfig.thinkingBudget;
    if (typeof budget === 'number' && budget >= 1024 && (typeof g.maxOutputTokens !== 'number' || budget < g.maxOutputTokens)) {
      body.thinking = { type: 'enabled', budget_tokens: budget };
    }
    notes.includeThoughts = g.thinkingConfig.includeThoughts === true;
  }
}

/**
 * A GenerateContentRequest (the model from the path) → the OpenAI chat body. `stream`
 * comes from the method (:streamGenerateContent), not from the body.
 */
export function toChatRequest(raw: unknown, model: string, opts: { stream?: boolean } = {}): { body: OpenAIBody; notes: GeminiRequestNotes } {
  if (!isObject(raw)) throw invalidRequest(`The request body must be a JSON object, got ${typeName(raw)}`);
  const notes: GeminiRequestNotes = { includeThoughts: false, ignored: [] };
  const messages: Json[] = [];
  const system = systemText(raw.systemInstruction);
  if (system !== '') messages.push({ role: 'system', content: system });
  const ids = new CallIds();
  for (const turn of toTurns(raw.contents)) {
    if (turn.role === 'model') messages.push(modelMessage(turn, ids, notes));
    else messages.push(...userMessages(turn, ids, notes));
  }
  const body: OpenAIBody = markTranslated({ model, messages });
  if (opts.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  const tools = toTools(raw.tools, notes);
  if (tools) {
    body.tools = tools;
    const choice = toToolChoice(raw.toolConfig);
    if (choice !== undefined) body.tool_choice = choice;
  }
  applyGenerationConfig(body, raw.generationConfig, notes);
  if (raw.safetySettings !== undefined) notes.ignored.push('safetySettings');
  // The cached prompt lives at Google: without it the request would mean something else.
  if (raw.cachedContent !== undefined) refuse(notes, 'cachedContent', 'a Gemini cached content');
  return { body, notes };
}
