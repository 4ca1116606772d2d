import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { Dashboard, type DashboardProps } from '../../src/tui/components/Dashboard.js';
import { AdminApiError, DaemonUnreachableError } from '../../src/tui/source.js';
import { fixtureSnapshot, waitFor } from './fixture.js';

const URL = 'http://127.0.0.1:8420';

function mount(props: Partial<DashboardProps> & Pick<DashboardProps, 'fetchSnapshot'>) {
  const inst = render(
    React.createElement(Dashboard, { url: URL, width: 80, height: 24, utc: true, color: false, intervalMs: 10, ...props }),
  );
  const frame = () => inst.lastFrame() ?? '';
  return { ...inst, frame };
}

const tick = () => new Promise((r) => setTimeout(r, 30));

test('renders the dashboard at 80×24', async (t) => {
  const ui = mount({ fetchSnapshot: async () => fixtureSnapshot() });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  const lines = ui.frame().split('\n');
  assert.deepEqual(lines.slice(0, 9), [
    'TokenHub  http://127.0.0.1:8420  up 1h01m              [providers] models  keys',
    'req/s 4.0 (1m 2.5)  errors 1.2%  spend today $1.23  1.0k reqs  ▃▄▅▆▇██▁▁▂▃▄▅▆▇██',
    '',
    'PROVIDER       SHARE                REQS    P50    P95   ERR CIRCUIT LATENCY',
    'openai         ████████▍      70%    700  420ms  1.20s     0 ok         ▁▁▁▅▁▁█▁',
    'anthropic      ███            25%    250  650ms  1.90s     3 ok              ▁▅█',
    'local-llama    ▋             5.0%     50  2.10s  9.00s    10 open',
    '',
    'TIME     KEY        MODEL → PROVIDER/MODEL              ST     MS   TOK     COST',
  ]);
  assert.equal(lines[9], '12:59:59 laptop     gpt-4o-mini → openai/gpt-4o-mini   200  420ms  1.5k  $0.0004');
  assert.equal(lines[10], '12:59:58 laptop     fast → anthropic/claude-3-5-haiku… 200  1.85s  1.5k  $0.0021');
  assert.equal(lines[11], '12:59:57 laptop     gpt-4o-mini → upstream_unavailable 502  420ms     0        –');
  assert.equal(lines.at(-1), 'tab/←→ view · p pause · q quit · as of 13:00:00');
  assert.equal(lines.length, 23, 'one line left free below the frame');
  for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${line}`);
});

test('a narrow terminal drops the bar, sparkline and p95 but keeps errors and circuit', async (t) => {
  const ui = mount({ fetchSnapshot: async () => fixtureSnapshot(), width: 50, height: 16 });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  const lines = ui.frame().split('\n');
  assert.deepEqual(lines.slice(3, 7), [
    'PROVIDER         SHARE   REQS    P50   ERR CIRCUIT',
    'openai             70%    700  420ms     0 ok',
    'anthropic          25%    250  650ms     3 ok',
    'local-llama       5.0%     50  2.10s    10 open',
  ]);
  assert.equal(lines[8], 'MODEL → PROVIDER/MODEL          ST     MS     COST');
  assert.equal(lines[9], 'gpt-4o-mini → openai/gpt-4o-m… 200  420ms  $0.0004');
  assert.ok(lines.length <= 15);
  for (const line of lines) assert.ok([...line].length <= 50, `too wide: ${line}`);
});

test('says it is connecting until the first answer or failure', async (t) => {
  const ui = mount({ fetchSnapshot: () => new Promise(() => {}) });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame() !== '', 'a frame');
  assert.equal(ui.frame(), 'connecting to http://127.0.0.1:8420…');
});

test('says no daemon is running and connects once one answers', async (t) => {
  let calls = 0;
  const ui = mount({
    fetchSnapshot: async () => {
      calls++;
      if (calls <= 3) throw new DaemonUnreachableError('no daemon at ' + URL);
      return fixtureSnapshot();
    },
    intervalMs: 40,
  });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('attempt'), 'the no-daemon screen');
  assert.equal(
    ui.frame().split('\n')[0],
    'no daemon running at http://127.0.0.1:8420 — retrying',
  );
  assert.match(ui.frame(), /tokenhub serve/);
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the dashboard after reconnecting');
});

test('keeps the last numbers and says so when the daemon goes away', async (t) => {
  let up = true;
  const ui = mount({
    fetchSnapshot: async () => {
      if (!up) throw new DaemonUnreachableError('gone');
      return fixtureSnapshot();
    },
  });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  up = false;
  await waitFor(() => ui.frame().includes('daemon gone — retrying'), 'the stale notice');
  assert.match(ui.frame(), /openai/);
});

test('a refused admin token is reported rather than "no daemon"', async (t) => {
  const ui = mount({
    fetchSnapshot: async () => {
      throw new AdminApiError('the daemon refused the admin token (HTTP 401)', 401);
    },
  });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('refused'), 'the reason');
  assert.match(ui.frame(), /^cannot read metrics from http:\/\/127\.0\.0\.1:8420 — retrying/);
});

test('tab and arrows switch views; p pauses polling', async (t) => {
  let calls = 0;
  const ui = mount({
    fetchSnapshot: async () => {
      calls++;
      return fixtureSnapshot();
    },
  });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  ui.stdin.write('\t');
  await waitFor(() => ui.frame().includes('[models]'), 'the models view');
  assert.match(ui.frame(), /^MODEL +SHARE +REQS +P50 +P95 +ERR +COST$/m);
  assert.match(ui.frame(), /^claude-3-5-haiku .* \$0\.33$/m);
  ui.stdin.write('\u001B[C'); // right arrow
  await waitFor(() => ui.frame().includes('[keys]'), 'the keys view');
  assert.match(ui.frame(), /^laptop +█+ +100% +1\.0k/m);
  ui.stdin.write('\u001B[D'); // left arrow
  await waitFor(() => ui.frame().includes('[models]'), 'back to models');

  ui.stdin.write('p');
  await waitFor(() => ui.frame().includes('PAUSED'), 'the paused marker');
  await tick();
  const pausedAt = calls;
  await tick();
  await tick();
  assert.equal(calls, pausedAt, 'no polling while paused');
  assert.match(ui.frame(), /p resume/);
  ui.stdin.write('p');
  await waitFor(() => calls > pausedAt, 'polling again');
});

test('q quits and polling stops', async () => {
  let calls = 0;
  const ui = mount({
    fetchSnapshot: async () => {
      calls++;
      return fixtureSnapshot();
    },
  });
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  ui.stdin.write('q');
  await tick();
  const after = calls;
  await tick();
  await tick();
  assert.equal(calls, after);
  ui.unmount();
});

test('an empty daemon shows placeholders instead of an empty screen', async (t) => {
  const snap = { ...fixtureSnapshot(), providers: [], recent: [] };
  const ui = mount({ fetchSnapshot: async () => snap });
  t.after(() => ui.unmount());
  await waitFor(() => ui.frame().includes('PROVIDER'), 'the table');
  assert.match(ui.frame(), /no providers yet/);
  assert.match(ui.frame(), /waiting for requests…/);
});
