import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promptTokenCeiling } from '../../src/gateway/budget.js';
import { estimatePromptTokens } from '../../src/gateway/tokens.js';

const dataUrl = 'data:image/png;base64,' + 'A'.repeat(200_000);
const PROMPTS: Record<string, Record<string, unknown>> = {
  ascii: { messages: [{ role: 'user', content: 'Summarise the build log in three bullet points.' }] },
  multibyte: { messages: [{ role: 'user', content: 'Zusammenfassung: größere Änderungen — 日本語のテキスト 🚀' }] },
  tools: {
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
  },
  'image_url part': { messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: dataUrl } }] }] },
  'input_image part': { messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'input_image', image_url: dataUrl }] }] },
};

test('one walk over the prompt: the budget ceiling is never below the estimate, for every shape', () => {
  for (const [shape, body] of Object.entries(PROMPTS)) {
    const estimate = estimatePromptTokens('chat', body);
    const ceiling = promptTokenCeiling('chat', body);
    assert.ok(estimate > 0 && ceiling >= estimate, `${shape}: estimate ${estimate}, ceiling ${ceiling}`);
  }
});

test('an image costs the same whatever kind of part carries it, and not by its data URL’s length', () => {
  const a = estimatePromptTokens('chat', PROMPTS['image_url part']!);
  const b = estimatePromptTokens('chat', PROMPTS['input_image part']!);
  assert.equal(a, b);
  assert.ok(a < 200, `got ${a}`);
});
