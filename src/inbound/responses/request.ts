/**
 * A Responses API request → the chat body the gateway pipeline takes (its middle
 * representation), plus what the answer needs to be built back: the request's
 * normalised input items (kept by the store), its freeform tools, and the request
 * fields a Response object echoes.
 */
import { invalidRequest, type GatewayError } from '../../errors.js';
import { isObject, type Json } from '../../providers/openai-shape.js';
import type { OpenAIBody } from '../../providers/types.js';
import { checkModelName } from '../../util/identifiers.js';
import { itemsToMessages, normalizeInput, typeName } from './items.js';

export interface ResponsesRequest {
  body: OpenAIBody;
  /** this request's input as items (without the stored conversation before it) */
  input: Json[];
  customTools: Set<string>;
  /** chat tool name → the namespace and name of a tool inside a `namespace` tool (Codex groups tools so) */
  namespaced: Map<string, { namespace: string; name: string }>;
  /** the request's fields as a Response object repeats them */
  echo: Json;
  store: boolean;
  previousResponseId: string | null;
  /**
   * Set when the request uses what only OpenAI runs (built-in tools and their items):
   * the 400 to answer unless a provider that speaks Responses natively serves it.
   */
  refusal?: GatewayError;
}

/** A custom tool's one argument: Codex's freeform tools (apply_patch) take raw text, not JSON. */
function customToolAsFunction(t: Json): Json {
  const format = isObject(t.format) ? t.format : {};
  let about = 'Pass the raw text as the `input` argument.';
  if (format.type === 'grammar' && typeof format.definition === 'string') {
    about += ` The text must follow this ${String(format.syntax ?? '')} grammar:\n${format.definition}`;
  }
  const description = typeof t.description === 'string' && t.description !== '' ? `${t.description}\n\n${about}` : about;
  const parameters = { type: 'object', properties: { input: { type: 'string', description: 'the raw input text' } }, required: ['input'], additionalProperties: false };
  return { type: 'function', function: { name: t.name, description, parameters } };
}

/** A namespaced tool's name in chat, where names are plain identifiers: `crm__lookup`. */
export const namespacedName = (namespace: string, name: string): string => `${namespace}__${name}`;

interface ToolSets {
  custom: Set<string>;
  namespaced: Map<string, { namespace: string; name: string }>;
}

function toChatTools(tools: unknown, sets: ToolSets, refusals: GatewayError[], where = 'tools', namespace?: string): Json[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest(`Invalid type for '${where}': expected an array, got ${typeName(tools)}`, where);
  const custom = sets.custom;
  return tools.flatMap((t, i): Json[] => {
    if (!isObject(t)) throw invalidRequest(`Invalid type for '${where}[${i}]': expected an object`, `${where}[${i}]`);
    if (t.type === 'namespace' && namespace === undefined) {
      if (typeof t.name !== 'string' || t.name === '') throw invalidRequest(`Missing required parameter: '${where}[${i}].name'`, `${where}[${i}].name`);
      // Its tools become plain functions named namespace__name, and their calls carry the namespace again.
      return toChatTools(t.tools, sets, refusals, `${where}[${i}].tools`, t.name) ?? [];
    }
    if ((t.type === 'function' || t.type === 'custom') && namespace !== undefined && typeof t.name === 'string') {
      const chatName = namespacedName(namespace, t.name);
      sets.namespaced.set(chatName, { namespace, name: t.name });
      return toChatTools([{ ...t, name: chatName }], sets, refusals, where) ?? [];
    }
    if (t.type === 'function' || t.type === 'custom') {
      if (typeof t.name !== 'string' || t.name === '') throw invalidRequest(`Missing required parameter: '${where}[${i}].name'`, `${where}[${i}].name`);
      if (t.type === 'custom') {
        custom.add(t.name);
        return [customToolAsFunction(t)];
      }
      const fn: Json = { name: t.name, parameters: isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} } };
      if (typeof t.description === 'string') fn.description = t.description;
      if (typeof t.strict === 'boolean') fn.strict = t.strict;
      return [{ type: 'function', function: fn }];
    }
    // Built-in tools run at OpenAI; silently dropping one would let the model answer without it.
    refusals.push(
      invalidRequest(
        `${where}[${i}]: the built-in tool type ${JSON.stringify(t.type)} cannot be run by the serving provider; TokenHub translates only function, custom and namespace tools`,
        `${where}[${i}].type`,
      ),
    );
    return [];
  });
}

function toChatToolChoice(choice: unknown, refusals: GatewayError[]): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isObject(choice)) {
    if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
    if (choice.type === 'allowed_tools') return choice.mode === 'required' ? 'required' : 'auto';
  }
  refusals.push(invalidRequest(`Invalid value for 'tool_choice': ${JSON.stringify(choice)} cannot be served through TokenHub's translation`, 'tool_choice'));
  return undefined;
}

function toResponseFormat(text: unknown): Json | undefined {
  if (!isObject(text) || !isObject(text.format)) return undefined;
  const f = text.format;
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema') {
    if (typeof f.name !== 'string' || !isObject(f.schema)) throw invalidRequest(`'text.format' of type json_schema needs a name and a schema`, 'text.format');
    const schema: Json = { name: f.name, schema: f.schema };
    if (typeof f.strict === 'boolean') schema.strict = f.strict;
    if (typeof f.description === 'string') schema.description = f.description;
    return { type: 'json_schema', json_schema: schema };
  }
  throw invalidRequest(`Invalid value for 'text.format.type': ${JSON.stringify(f.type)}`, 'text.format.type');
}

const EFFORTS: Record<string, string> = { minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' };

/**
 * `history` is the stored conversation before this turn (previous_response_id): its
 * items come first, and tool outputs may answer calls made there.
 */
export function toChatRequest(raw: unknown, history: Json[] = []): ResponsesRequest {
  if (!isObject(raw)) throw invalidRequest(`The request body must be a JSON object, got ${typeName(raw)}`);
  if (typeof raw.model !== 'string' || raw.model.trim() === '') throw invalidRequest(`Missing required parameter: 'model'`, 'model');
  checkModelName(raw.model);
  if (raw.stream != null && typeof raw.stream !== 'boolean') throw invalidRequest(`Invalid type for 'stream': expected a boolean`, 'stream');
  if (raw.background === true) throw invalidRequest(`'background' responses are not supported through TokenHub`, 'background');
  if (raw.input === undefined) throw invalidRequest(`Missing required parameter: 'input'`, 'input');
  if (raw.instructions != null && typeof raw.instructions !== 'string') throw invalidRequest(`Invalid type for 'instructions': expected a string`, 'instructions');
  const input = normalizeInput(raw.input);
  const customTools = new Set<string>();
  const namespaced = new Map<string, { namespace: string; name: string }>();
  const refusals: GatewayError[] = [];
  const tools = toChatTools(raw.tools, { custom: customTools, namespaced }, refusals);

  const messages = itemsToMessages([...history, ...input], refusals);
  if (typeof raw.instructions === 'string' && raw.instructions !== '') messages.unshift({ role: 'system', content: raw.instructions });
  if (messages.length === 0) throw invalidRequest(`'input' must contain at least one item`, 'input');

  const body: OpenAIBody = { model: raw.model, messages };
  if (raw.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (tools && tools.length > 0) {
    body.tools = tools;
    const choice = toChatToolChoice(raw.tool_choice, refusals);
    if (choice !== undefined) body.tool_choice = choice;
    if (typeof raw.parallel_tool_calls === 'boolean') body.parallel_tool_calls = raw.parallel_tool_calls;
  }
  if (typeof raw.max_output_tokens === 'number') body.max_completion_tokens = raw.max_output_tokens;
  if (typeof raw.temperature === 'number') body.temperature = raw.temperature;
  if (typeof raw.top_p === 'number') body.top_p = raw.top_p;
  const reasoning = isObject(raw.reasoning) ? raw.reasoning : {};
  const effort = typeof reasoning.effort === 'string' ? EFFORTS[reasoning.effort] : undefined;
  if (effort) body.reasoning_effort = effort;
  const format = toResponseFormat(raw.text);
  if (format) body.response_format = format;
  if (isObject(raw.metadata) && Object.keys(raw.metadata).length > 0) body.metadata = raw.metadata;
  if (typeof raw.prompt_cache_key === 'string') body.prompt_cache_key = raw.prompt_cache_key;
  const user = typeof raw.safety_identifier === 'string' ? raw.safety_identifier : raw.user;
  if (typeof user === 'string') body.user = user;

  const echo: Json = {
    instructions: typeof raw.instructions === 'string' ? raw.instructions : null,
    max_output_tokens: typeof raw.max_output_tokens === 'number' ? raw.max_output_tokens : null,
    metadata: isObject(raw.metadata) ? raw.metadata : {},
    parallel_tool_calls: raw.parallel_tool_calls !== false,
    previous_response_id: typeof raw.previous_response_id === 'string' ? raw.previous_response_id : null,
    prompt_cache_key: typeof raw.prompt_cache_key === 'string' ? raw.prompt_cache_key : null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: raw.store !== false,
    temperature: typeof raw.temperature === 'number' ? raw.temperature : null,
    text: isObject(raw.text) && isObject(raw.text.format) ? { format: raw.text.format } : { format: { type: 'text' } },
    tool_choice: raw.tool_choice ?? 'auto',
    tools: Array.isArray(raw.tools) ? raw.tools : [],
    top_p: typeof raw.top_p === 'number' ? raw.top_p : null,
    truncation: typeof raw.truncation === 'string' ? raw.truncation : 'disabled',
    user: typeof raw.user === 'string' ? raw.user : null,
  };
  return {
    body,
    input,
    customTools,
    namespaced,
    echo,
    store: raw.store !== false,
    previousResponseId: typeof raw.previous_response_id === 'string' ? raw.previous_response_id : null,
    ...(refusals[0] ? { refusal: refusals[0] } : {}),
  };
}
