/**
 * Where the daemon listens: loopback on both address families by default (`localhost`
 * resolves to ::1 first on many systems), and a loud warning for a bind other machines reach.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { createLogger } from '../../src/util/log.js';
import { startGateway } from '../helpers/gateway.js';

function captureLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}

describe('listening addresses', () => {
  test('by default the daemon answers on ::1 as well as 127.0.0.1, at the same port', async (t) => {
    const gw = await startGateway({});
    t.after(() => gw.close());
    const v4 = await request(`http://127.0.0.1:${gw.daemon.port}/v1/models`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(v4.statusCode, 200);
    await v4.body.dump();
    const v6 = await request(`http://[::1]:${gw.daemon.port}/v1/models`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(v6.statusCode, 200);
    await v6.body.dump();
  });

  test('a non-loopback bind is warned about, naming the risk; a loopback bind is not', async (t) => {
    const wide = captureLog();
    const gw = await startGateway({}, { host: '0.0.0.0', log: wide.log });
    t.after(() => gw.close());
    const warning = wide.lines.find((l) => l.includes('NOT a loopback address'));
    assert.ok(warning, wide.lines.join('\n'));
    assert.match(warning, /0\.0\.0\.0/);
    assert.match(warning, /spends your provider credit/);
    assert.match(warning, /SECURITY\.md/);

    const local = captureLog();
    const gw2 = await startGateway({}, { log: local.log });
    t.after(() => gw2.close());
    assert.ok(!local.lines.some((l) => l.includes('NOT a loopback address')), local.lines.join('\n'));
  });
});
