import { invalidRequest } from '../errors.js';
import type { OpenAIBody, Operation } from '../providers/types.js';
import { checkModelName } from '../util/identifiers.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Checks what the gateway itself relies on (model, messages/prompt/input, stream);
 * everything else passes through for the provider to judge.
 */
export function validateBody(op: Operation, body: unknown): OpenAIBody {
  if (!isObject(body)) throw invalidRequest(`The request body must be a JSON object, got ${typeName(body)}`);
  if (body.model === undefined) throw invalidRequest('Missing required parameter: model', 'model');
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    throw invalidRequest(`Invalid type for model: expected a non-empty string, got ${typeName(body.model)}`, 'model');
  }
  checkModelName(body.model);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidRequest(`Invalid type for stream: expected a boolean, got ${typeName(body.stream)}`, 'stream');
  }
  if (op === 'chat') {
    if (body.messages === undefined) throw invalidRequest('Missing required parameter: messages', 'messages');
    if (!Array.isArray(body.messages)) {
      throw invalidRequest(`Invalid type for messages: expected an array, got ${typeName(body.messages)}`, 'messages');
    }
    if (body.messages.length === 0) throw invalidRequest('messages must contain at least one message', 'messages');
    body.messages.forEach((m, i) => {
      if (!isObject(m)) throw invalidRequest(`Invalid type for messages[${i}]: expected an object, got ${typeName(m)}`, `messages[${i}]`);
      if (typeof m.role !== 'string') throw invalidRequest(`Missing required parameter: messages[${i}].role`, `messages[${i}].role`);
    });
  } else if (op === 'completions') {
    if (body.prompt === undefined) throw invalidRequest('Missing required parameter: prompt', 'prompt');
    if (typeof body.prompt !== 'string' && !Array.isArray(body.prompt)) {
      throw invalidRequest(`Invalid type for prompt: expected a string or array, got ${typeName(body.prompt)}`, 'prompt');
    }
  } else if (op === 'embeddings') {
    if (body.input === undefined) throw invalidRequest('Missing required parameter: input', 'input');
    if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
      throw invalidRequest(`Invalid type for input: expected a string or array, got ${typeName(body.input)}`, 'input');
    }
  }
  return body as OpenAIBody;
}
