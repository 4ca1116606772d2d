/**
 * OpenAI's `response_format` (json_object / json_schema) for Anthropic, which answers in
 * JSON reliably when made to call a tool whose input schema is the wanted schema: the
 * request gets one such tool, forced, and its call's input comes back as the message
 * text (finish_reason `stop`). The tool's name marks it in answers and streams, so the
 * response side needs nothing from the request.
 */
import { invalidRequest } from '../../errors.js';
import { isObject } from '../openai-shape.js';

export const JSON_TOOL = 'tokenhub_json_response';

/** Adds the forced JSON tool to an Anthropic request body when the chat body asks for JSON. */
export function applyResponseFormat(rf: unknown, out: Record<string, unknown>): void {
  if (!isObject(rf) || (rf.type !== 'json_object' && rf.type !== 'json_schema')) return;
  // Both would change what the model may do: the client's tools could no longer be chosen, or thinking would be refused.
  if (out.tools) throw invalidRequest('response_format cannot be combined with tools for an Anthropic model', 'response_format');
  if (out.thinking) throw invalidRequest('response_format cannot be combined with thinking (reasoning_effort) for an Anthropic model', 'response_format');
  const spec = isObject(rf.json_schema) ? rf.json_schema : {};
  const schema = rf.type === 'json_schema' && isObject(spec.schema) ? spec.schema : { type: 'object' };
  const description = typeof spec.description === 'string' ? spec.description : 'Answer with this JSON.';
  out.tools = [{ name: JSON_TOOL, description, input_schema: schema }];
  out.tool_choice = { type: 'tool', name: JSON_TOOL };
}
