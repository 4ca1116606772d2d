import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { GatewayError } from '../../src/errors.js';
import { buildCatalog } from '../../src/router/catalog.js';
import { planOrRefuse } from '../../src/gateway/failure.js';
import { RouterHealth } from '../../src/router/health.js';
import { planCandidates, type PlanInput } from '../../src/router/plan.js';

const provider = (models: Record<string, { input: number; output: number }>) => ({
  type: 'openai-compatible' as const,
  base_url: 'http://127.0.0.1:1/v1',
  models,
});

const catalog = buildCatalog(
  configSchema.parse({
    routing: { strategy: 'cost', fallback: ['cheap/backup'] },
    providers: {
      cheap: provider({ chat: { input: 0.1, output: 0.2 }, backup: { input: 0.1, output: 0.1 } }),
      pricey: provider({ chat: { input: 5, output: 15 } }),
      mid: provider({ chat: { input: 1, output: 2 }, other: { input: 1, output: 1 } }),
    },
    routes: {
      rr: { strategy: 'round-robin', targets: ['pricey/chat', 'cheap/chat'], fallback: ['mid/other'] },
      plain: { targets: ['pricey/chat', 'cheap/chat'] },
    },
  }),
  {},
);

const input = (model: string, extra: Partial<PlanInput> = {}): PlanInput => ({
  model,
  allowed: () => true,
  estimate: { promptTokens: 100, completionTokens: 100 },
  ...extra,
});
const ids = (p: { candidates: { servedAs: string }[] }) => p.candidates.map((t) => t.servedAs);

describe('planCandidates', () => {
  test('precedence: the header beats the route, the route beats the config default', () => {
    const health = new RouterHealth();
    assert.equal(planCandidates(catalog, input('chat'), health).strategy, 'cost');
    assert.equal(planCandidates(catalog, input('plain'), health).strategy, 'cost');
    assert.equal(planCandidates(catalog, input('rr'), health).strategy, 'round-robin');
    assert.equal(planCandidates(catalog, input('rr', { strategyHeader: 'latency' }), health).strategy, 'latency');
    assert.equal(planCandidates(catalog, input('chat', { strategyHeader: 'Availability' }), health).strategy, 'availability');
  });

  test('rejects an unknown X-Inferoute-Strategy with a 400 naming the header', () => {
    assert.throws(
      () => planOrRefuse(catalog, input('chat', { strategyHeader: 'fastest' })),
      (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'X-Inferoute-Strategy',
    );
  });

  test('orders the requested model by strategy, then fallbacks: header, else the route’s, else routing.fallback', () => {
    assert.deepEqual(ids(planCandidates(catalog, input('chat'))), ['cheap/chat', 'mid/chat', 'pricey/chat', 'cheap/backup']);
    assert.deepEqual(ids(planCandidates(catalog, input('rr'))), ['pricey/chat', 'cheap/chat', 'mid/other']);
    assert.deepEqual(ids(planCandidates(catalog, input('rr', { fallbackHeader: ['mid/chat'] }))), ['pricey/chat', 'cheap/chat', 'mid/chat']);
  });

  test('round-robin rotates per route', () => {
    const health = new RouterHealth();
    const firsts = [0, 1, 2, 3].map(() => planCandidates(catalog, input('rr'), health).candidates[0]!.servedAs);
    assert.deepEqual(firsts, ['pricey/chat', 'cheap/chat', 'pricey/chat', 'cheap/chat']);
  });

  test('leaves out candidates whose circuit is open while others remain, and keeps them all when every one is open', () => {
    const health = new RouterHealth();
    const settings = catalog.health.circuit;
    const cheap = catalog.models.get('cheap/chat')![0]!;
    for (let i = 0; i < settings.failures; i++) health.circuits.failure(cheap, 'provider', Date.now(), settings, 'connection refused');
    const plan = planCandidates(catalog, input('chat'), health);
    assert.deepEqual(ids(plan), ['mid/chat', 'pricey/chat']);
    assert.deepEqual(plan.skipped.map((t) => t.servedAs), ['cheap/chat', 'cheap/backup']);
    const only = planCandidates(catalog, input('cheap/chat', { fallbackHeader: ['cheap/backup'] }), health);
    assert.deepEqual(ids(only), ['cheap/chat', 'cheap/backup']);
    assert.equal(only.allOpen, true);
  });

  test('a key that may not use the model gets model_not_allowed; an unknown model model_not_found', () => {
    assert.throws(() => planOrRefuse(catalog, input('chat', { allowed: () => false })), (e: unknown) => e instanceof GatewayError && e.code === 'model_not_allowed');
    assert.throws(() => planOrRefuse(catalog, input('nope')), (e: unknown) => e instanceof GatewayError && e.code === 'model_not_found');
  });
});

test('a priced model without max_output is warned about at load: budgets cap its answers at the default', () => {
  const c = buildCatalog(
    configSchema.parse({
      providers: {
        p: {
          ...provider({}),
          models: { bare: { input: 1, output: 2 }, sized: { input: 1, output: 2, max_output: 8192 }, embed: { input: 0.1, output: 0, capabilities: ['embeddings'] } },
        },
      },
    }),
    {},
  );
  assert.deepEqual(c.warnings, ['provider p: model bare has a price but no max_output; budgeted keys reserve and cap its answers at 4096 output tokens']);
});
