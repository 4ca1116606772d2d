/**
 * OpenAI chat/completions request → Gemini GenerateContentRequest
 * (https://ai.google.dev/api/generate-content): system messages to systemInstruction,
 * roles to user/model, images to inlineData/fileData, tools to functionDeclarations,
 * tool calls and results to functionCall/functionResponse parts, sampling options to
 * generationConfig.
 */
import { invalidRequest } from '../../errors.js';
import { isObject, parseArguments, parseImageUrl, textOf, type Json } from '../openai-shape.js';
import type { OpenAIBody, Operation } from '../types.js';
import { SKIP_SIGNATURE, decodeToolCallId } from './ids.js';

interface Content {
  role: 'user' | 'model';
  parts: Json[];
}

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic' };

export function imagePart(url: string): Json {
  const image = parseImageUrl(url);
  if ('data' in image) return { inlineData: { mimeType: image.mediaType, data: image.data } };
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = ext ? IMAGE_TYPES[ext] : undefined;
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

function userParts(content: unknown): Json[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) throw invalidRequest('user message content must be a string or an array', 'messages');
  return content.map((part): Json => {
    if (!isObject(part)) throw invalidRequest('content parts must be objects', 'messages');
    if (part.type === 'text') return { text: String(part.text ?? '') };
    if (part.type === 'image_url') {
      const img = part.image_url;
      return imagePart(typeof img === 'string' ? img : isObject(img) ? String(img.url ?? '') : '');
    }
    if (part.type === 'input_audio' && isObject(part.input_audio)) {
      return { inlineData: { mimeType: `audio/${String(part.input_audio.format ?? 'wav')}`, data: String(part.input_audio.data ?? '') } };
    }
    throw invalidRequest(`content part type ${String(part.type)} is not supported by Gemini`, 'messages');
  });
}

function modelParts(msg: Json, names: Map<string, string>): Json[] {
  const parts: Json[] = [];
  const text = textOf(msg.content, 'assistant message');
  if (text !== '') parts.push({ text });
  if (!Array.isArray(msg.tool_calls)) return parts;
  let signed = false;
  const calls: Json[] = [];
  for (const call of msg.tool_calls) {
    if (!isObject(call) || !isObject(call.function)) throw invalidRequest('malformed tool_calls entry', 'messages');
    const id = String(call.id ?? '');
    const name = String(call.function.name ?? '');
    names.set(id, name);
    const { geminiId, signature } = decodeToolCallId(id);
    const part: Json = { functionCall: { name, args: parseArguments(call.function.arguments), ...(geminiId ? { id: geminiId } : {}) } };
    if (signature) {
      part.thoughtSignature = signature;
      signed = true;
    }
    calls.push(part);
  }
  // Gemini signs the first call of a step; a step we cannot sign gets Google's stand-in.
  if (!signed && calls[0]) calls[0].thoughtSignature = SKIP_SIGNATURE;
  return [...parts, ...calls];
}

function functionResponsePart(msg: Json, names: Map<string, string>): Json {
  if (typeof msg.tool_call_id !== 'string') throw invalidRequest('tool messages need tool_call_id', 'messages');
  const name = names.get(msg.tool_call_id) ?? (typeof msg.name === 'string' ? msg.name : undefined);
  if (!name) throw invalidRequest(`tool message ${msg.tool_call_id} answers no earlier assistant tool call`, 'messages');
  const text = textOf(msg.content, 'tool message');
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    response = text;
  }
  // functionResponse.response must be a JSON object.
  if (!isObject(response)) response = { result: response };
  const { geminiId } = decodeToolCallId(msg.tool_call_id);
  return { functionResponse: { name, response, ...(geminiId ? { id: geminiId } : {}) } };
}

export function toGeminiContents(messages: unknown): { systemInstruction: Json | undefined; contents: Content[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages must be a non-empty array', 'messages');
  const system: string[] = [];
  const contents: Content[] = [];
  const names = new Map<string, string>();
  const push = (role: Content['role'], parts: Json[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    // Results of parallel calls must come back in one turn; other repeats merge harmlessly.
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const msg of messages) {
    if (!isObject(msg)) throw invalidRequest('each message must be an object', 'messages');
    if (msg.role === 'system' || msg.role === 'developer') system.push(textOf(msg.content, `${msg.role} message`));
    else if (msg.role === 'user') push('user', userParts(msg.content));
    else if (msg.role === 'assistant') push('model', modelParts(msg, names));
    else if (msg.role === 'tool') push('user', [functionResponsePart(msg, names)]);
    else throw invalidRequest(`message role ${String(msg.role)} is not supported by Gemini`, 'messages');
  }
  const joined = system.filter((s) => s !== '').join('\n\n');
  return { systemInstruction: joined === '' ? undefined : { parts: [{ text: joined }] }, contents };
}

function toTools(tools: unknown): Json[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const functionDeclarations = tools.map((t): Json => {
    if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) throw invalidRequest('only function tools are supported', 'tools');
    const fn = t.function;
    const out: Json = { name: String(fn.name ?? '') };
    if (typeof fn.description === 'string') out.description = fn.description;
    // OpenAI parameters are JSON Schema; parametersJsonSchema takes it as is (parameters wants Google's OpenAPI subset).
    if (isObject(fn.parameters)) out.parametersJsonSchema = fn.parameters;
    return out;
  });
  return [{ functionDeclarations }];
}

function toToolConfig(choice: unknown): Json | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && isObject(choice.function)) {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [String(choice.function.name ?? '')] } };
  }
  throw invalidRequest('unsupported tool_choice', 'tool_choice');
}

/** reasoning_effort as a Gemini thinking budget (tokens); `minimal` asks for none where the model allows it. */
const THINKING_BUDGET: Record<string, number> = { minimal: 0, low: 1024, medium: 8192, high: 24576 };

/**
 * The middle's reasoning controls → Gemini's thinkingConfig: an Anthropic-style budget
 * as given, else reasoning_effort from the table. Thoughts are asked for, so they come
 * back as reasoning_content.
 */
function toThinkingConfig(body: OpenAIBody): Json | undefined {
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (isObject(thinking) && thinking.type === 'enabled' && typeof thinking.budget_tokens === 'number') {
    return { thinkingBudget: thinking.budget_tokens, includeThoughts: true };
  }
  if (isObject(thinking) && thinking.type === 'disabled') return { thinkingBudget: 0 };
  const effort = typeof body.reasoning_effort === 'string' ? THINKING_BUDGET[body.reasoning_effort] : undefined;
  if (effort === undefined) return undefined;
  return effort === 0 ? { thinkingBudget: 0 } : { thinkingBudget: effort, includeThoughts: true };
}

function toGenerationConfig(body: OpenAIBody): Json | undefined {
  const g: Json = {};
  if (typeof body.temperature === 'number') g.temperature = body.temperature;
  if (typeof body.top_p === 'number') g.topP = body.top_p;
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (typeof max === 'number') g.maxOutputTokens = max;
  if (body.stop != null) g.stopSequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (typeof body.n === 'number' && body.n !== 1) g.candidateCount = body.n;
  if (typeof body.presence_penalty === 'number') g.presencePenalty = body.presence_penalty;
  if (typeof body.frequency_penalty === 'number') g.frequencyPenalty = body.frequency_penalty;
  if (typeof body.seed === 'number') g.seed = body.seed;
  const thinking = toThinkingConfig(body);
  if (thinking) g.thinkingConfig = thinking;
  const rf = body.response_format;
  if (isObject(rf) && rf.type === 'json_object') g.responseMimeType = 'application/json';
  if (isObject(rf) && rf.type === 'json_schema') {
    g.responseMimeType = 'application/json';
    const schema = isObject(rf.json_schema) ? rf.json_schema.schema : undefined;
    if (isObject(schema)) g.responseJsonSchema = schema;
  }
  return Object.keys(g).length > 0 ? g : undefined;
}

function promptToMessages(prompt: unknown): unknown[] {
  if (typeof prompt === 'string') return [{ role: 'user', content: prompt }];
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return [{ role: 'user', content: prompt[0] }];
  throw invalidRequest('prompt must be one string for this provider', 'prompt');
}

export function buildGeminiBody(op: Operation, body: OpenAIBody): Json {
  const { systemInstruction, contents } = toGeminiContents(op === 'completions' ? promptToMessages(body.prompt) : body.messages);
  const out: Json = { contents };
  if (systemInstruction) out.systemInstruction = systemInstruction;
  const tools = toTools(body.tools);
  if (tools) out.tools = tools;
  const toolConfig = tools ? toToolConfig(body.tool_choice) : undefined;
  if (toolConfig) out.toolConfig = toolConfig;
  const generationConfig = toGenerationConfig(body);
  if (generationConfig) out.generationConfig = generationConfig;
  if (Array.isArray(body.safetySettings)) out.safetySettings = body.safetySettings;
  return out;
}
