import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { GatewayError } from '../../src/errors.js';
import { planOrRefuse } from '../../src/gateway/failure.js';
import { buildCatalog, routeFor } from '../../src/router/catalog.js';
import { closestNames } from '../../src/router/patterns.js';

const provider = (models: string[]) => ({
  type: 'openai-compatible' as const,
  base_url: 'http://127.0.0.1:1/v1',
  models: Object.fromEntries(models.map((m) => [m, { input: 1, output: 1 }])),
});

const catalog = buildCatalog(
  configSchema.parse({
    providers: {
      a: provider(['claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5']),
      b: provider(['claude-opus-4-1']),
    },
    routes: {
      'claude-*': { targets: ['a/claude-sonnet-4-5'] },
      '*haiku*': { targets: ['a/claude-haiku-4-5'] },
      'claude-*haiku*': { targets: ['a/claude-haiku-4-5'] },
      'claude-opus-*': { targets: ['b/claude-opus-4-1'] },
      fast: { targets: ['a/gpt-5'] },
    },
  }),
  {},
);
const plan = (model: string) => planOrRefuse(catalog, { model, allowed: () => true, estimate: { promptTokens: 1, completionTokens: 1 } }).candidates.map((t) => t.servedAs);

describe('route patterns', () => {
  test('a model name nothing names exactly goes to the most specific matching pattern', () => {
    assert.deepEqual(plan('claude-opus-5-5'), ['b/claude-opus-4-1'], 'claude-opus-* is more specific than claude-*');
    assert.deepEqual(plan('claude-3-5-haiku-20241022'), ['a/claude-haiku-4-5'], 'claude-*haiku* beats claude-* on literal characters');
    assert.equal(routeFor(catalog, 'claude-3-5-haiku-20241022')?.name, 'claude-*haiku*');
    assert.equal(routeFor(catalog, 'my-haiku')?.name, '*haiku*');
    assert.deepEqual(plan('claude-opus-4-8'), ['b/claude-opus-4-1']);
    assert.deepEqual(plan('claude-sonnet-5'), ['a/claude-sonnet-4-5']);
    assert.equal(routeFor(catalog, 'claude-sonnet-5')?.name, 'claude-*');
  });

  test('exact model ids and route names come before any pattern', () => {
    assert.deepEqual(plan('claude-haiku-4-5'), ['a/claude-haiku-4-5']);
    assert.deepEqual(plan('claude-sonnet-4-5'), ['a/claude-sonnet-4-5']);
    assert.equal(routeFor(catalog, 'claude-sonnet-4-5'), undefined);
    assert.deepEqual(plan('fast'), ['a/gpt-5']);
  });

  test('an unknown model is a 404 naming the closest configured names (not the patterns)', () => {
    assert.throws(
      () => plan('gpt5'),
      (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.status, 404);
        assert.match(err.message, /`gpt5` does not exist .*; the closest configured: gpt-5, a\/gpt-5, fast$/);
        return true;
      },
    );
    assert.deepEqual(closestNames(['claude-sonnet-4-5', 'gpt-4o', 'claude-haiku-4-5'], 'claude-sonet-4.5', 2), ['claude-sonnet-4-5', 'claude-haiku-4-5']);
  });
});
