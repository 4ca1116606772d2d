/**
 * A provider whose base_url leads back to TokenHub (directly, or through another TokenHub)
 * is caught by the x-tokenhub-hops header after one hop: one clear error, one record per
 * daemon, not thousands of records and sockets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { eventually, startGateway, writeConfig, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const routing = { strategy: 'cost' as const, total_ms: 5000 };

/** Points `gw`'s provider `next` at `target` (with a key `target` accepts) and waits for the reload. */
async function pointAt(gw: TestGateway, target: TestGateway): Promise<void> {
  const { key } = target.mintKey({ name: 'loop' });
  writeConfig(gw.paths.home, { routing, providers: { next: { type: 'openai-compatible', base_url: `${target.url}/v1`, api_key: key, models: { chat: null } } } });
  await eventually(() => gw.daemon.gateway.catalog().providers.has('next'));
}

describe('provider loops back to TokenHub', () => {
  test('a provider that is this TokenHub itself: refused after one hop, one record', async (t) => {
    const gw = await startGateway({ routing });
    t.after(() => gw.close());
    await pointAt(gw, gw);
    const err = await gw.client.chat.completions.create({ model: 'chat', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && err.status === 502, String(err));
    assert.match(JSON.stringify(err.error), /came back to the TokenHub that sent it/);
    const records = await gw.usage();
    assert.equal(records.length, 1, `${records.length} records`);
  });

  test('two TokenHubs pointing at each other: refused when the request returns to the first', async (t) => {
    const a = await startGateway({ routing });
    const b = await startGateway({ routing });
    t.after(() => Promise.all([a.close(), b.close()]));
    await pointAt(a, b);
    await pointAt(b, a);
    const err = await a.client.chat.completions.create({ model: 'chat', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && err.status === 502, String(err));
    assert.equal((await a.usage()).length, 1);
    assert.equal((await b.usage()).length, 1);
  });
});
