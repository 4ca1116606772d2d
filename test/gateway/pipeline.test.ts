import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyRequest, type GatewayDeps } from '../../src/gateway/pipeline.js';
import { MetricsBus } from '../../src/metrics/bus.js';
import { RouterHealth } from '../../src/router/health.js';
import type { UsageRecord, UsageSink } from '../../src/store/usage.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { silentLogger } from '../../src/util/log.js';
import type { KeyCache } from '../../src/keys/cache.js';

test('an unexpected error inside the pipeline still leaves exactly one usage record', async () => {
  const records: UsageRecord[] = [];
  const sink: UsageSink = { record: (r) => records.push(r), flush() {}, close() {} };
  const metrics = new MetricsBus();
  const deps: GatewayDeps = {
    catalog: () => {
      throw new Error('catalog exploded');
    },
    keys: {} as KeyCache,
    upstream: new UpstreamClient(),
    usage: sink,
    metrics,
    log: silentLogger,
    router: new RouterHealth(metrics, silentLogger),
  };
  const key = { record: { id: 'key_x', name: 'x' }, allowsModel: () => true } as never;
  await assert.rejects(
    proxyRequest(deps, { op: 'chat', requestId: 'req_1', startedAt: performance.now(), key, body: { model: 'm', messages: [] } }),
    /catalog exploded/,
  );
  assert.equal(records.length, 1);
  assert.equal(records[0]!.status, 500);
  assert.equal(records[0]!.errorCode, 'internal_error');
});
