/**
 * What the tests that run the real Claude Code (@anthropic-ai/claude-code 2.1.197,
 * offline) share: the binary, the variables that keep it off the network, and the
 * recorded tool-call stream the fake Anthropic provider answers with.
 */
import { fileURLToPath } from 'node:url';
import type { RecordedRequest } from '../fakes/anthropic.js';
import { fixture } from '../providers/helpers.js';

export const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));

/** no telemetry, no update check, no other traffic than the model's */
export const QUIET = { DISABLE_TELEMETRY: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };

/** The tool_result blocks in a request's last user turn. */
export function toolResults(req: RecordedRequest): Record<string, any>[] {
  const last = req.body.messages.at(-1);
  return Array.isArray(last?.content) ? last.content.filter((b: { type: string }) => b.type === 'tool_result') : [];
}

/**
 * The recorded thinking + tool_use stream (test/fixtures/anthropic/thinking-tool-use.sse),
 * its tool and input turned into Claude Code's Read of `file`, still split in two pieces.
 */
export function thinkingReadCall(file: string): string {
  const json = JSON.stringify({ file_path: file });
  const half = Math.floor(json.length / 2);
  const piece = (text: string) => JSON.stringify(text).slice(1, -1);
  return fixture('anthropic/thinking-tool-use.sse')
    .replace('"name":"weather"', '"name":"Read"')
    .replace('"partial_json":"{\\"location\\": \\"Par"', `"partial_json":"${piece(json.slice(0, half))}"`)
    .replace('"partial_json":"is, Île-de-France\\"}"', `"partial_json":"${piece(json.slice(half))}"`);
}
