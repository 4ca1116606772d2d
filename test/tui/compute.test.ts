import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bar, sparkline } from '../../src/tui/charts.js';
import { fitColumns, type ColumnSpec } from '../../src/tui/columns.js';
import { fit, formatClock, formatCount, formatMs, formatPct, formatUptime, formatUsd } from '../../src/tui/format.js';
import { planScreen, statsLine, titleLine } from '../../src/tui/layout.js';
import { routeText } from '../../src/tui/rows.js';
import { colorEnabled, toneProps } from '../../src/tui/theme.js';
import { fixtureSnapshot } from './fixture.js';

test('bars fill in eighths of a cell and keep their width', () => {
  assert.equal(bar(0, 4), '    ');
  assert.equal(bar(1, 4), '████');
  assert.equal(bar(0.5, 4), '██  ');
  assert.equal(bar(0.7, 10), '███████   ');
  assert.equal(bar(0.55, 4), '██▎ ');
  assert.equal(bar(0.001, 4), '▏   ', 'any traffic shows a sliver');
  assert.equal(bar(3, 2), '██');
  assert.equal(bar(Number.NaN, 2), '  ');
});

test('sparklines scale between min and max and pad on the left', () => {
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([5, 5, 5], 5), '  ▄▄▄');
  assert.equal(sparkline([], 3), '   ');
  assert.equal(sparkline([1, 2, 3, 100], 2), '▁█', 'only the last values that fit');
  assert.equal(sparkline([0, 5, 10], 3, true), '▁▅█');
  assert.equal(sparkline([8, 10], 2, true), '▇█', 'from zero, close values look close');
  assert.equal(sparkline([0, 0], 2, true), '▁▁');
});

test('numbers are formatted short', () => {
  assert.deepEqual([formatMs(null), formatMs(4.25), formatMs(420.4), formatMs(1850), formatMs(65_000), formatMs(250_000)], ['–', '4.3ms', '420ms', '1.85s', '65.0s', '250s']);
  assert.deepEqual([formatUsd(null), formatUsd(0), formatUsd(0.00002), formatUsd(0.00036), formatUsd(1.2345), formatUsd(1234.5)], ['–', '$0', '<$0.0001', '$0.0004', '$1.23', '$1,235']);
  assert.deepEqual([formatCount(999), formatCount(1234), formatCount(56_789), formatCount(1_234_567)], ['999', '1.2k', '57k', '1.2M']);
  assert.deepEqual([formatPct(0), formatPct(0.012), formatPct(0.7)], ['0%', '1.2%', '70%']);
  assert.deepEqual([formatUptime(45_000), formatUptime(725_000), formatUptime(3_665_000), formatUptime(187_200_000)], ['45s', '12m05s', '1h01m', '2d04h']);
  assert.equal(formatClock(Date.UTC(2026, 0, 1, 9, 5, 7), true), '09:05:07');
});

test('fit cuts with an ellipsis or pads to the exact width', () => {
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('ab', 4), 'ab  ');
  assert.equal(fit('ab', 4, 'right'), '  ab');
  assert.equal(fit('→→', 1), '…');
  assert.equal(fit('x', 0), '');
});

const specs: ColumnSpec[] = [
  { id: 'name', title: 'N', width: 6, grow: 4, priority: 0 },
  { id: 'a', title: 'A', width: 4, priority: 1 },
  { id: 'b', title: 'B', width: 4, priority: 2 },
  { id: 'spark', title: 'S', width: 4, grow: 4, priority: 3 },
];

test('columns drop the least important first and share spare room', () => {
  const ids = (w: number) => fitColumns(specs, w).map((c) => `${c.id}:${c.size}`).join(' ');
  assert.equal(ids(21), 'name:6 a:4 b:4 spark:4');
  assert.equal(ids(25), 'name:8 a:4 b:4 spark:6');
  assert.equal(ids(40), 'name:10 a:4 b:4 spark:8');
  assert.equal(ids(20), 'name:10 a:4 b:4');
  assert.equal(ids(11), 'name:6 a:4');
  assert.equal(ids(8), 'name:8');
  assert.equal(ids(4), 'name:4', 'the last column shrinks rather than overflow');
});

test('the screen plan splits rows between table and tail and keeps one line free', () => {
  assert.deepEqual(planScreen(24, 3), { tableRows: 3, hiddenGroups: 0, tailRows: 13 });
  assert.deepEqual(planScreen(24, 30), { tableRows: 7, hiddenGroups: 23, tailRows: 8 });
  assert.deepEqual(planScreen(24, 0), { tableRows: 0, hiddenGroups: 0, tailRows: 15 });
  assert.deepEqual(planScreen(10, 3), { tableRows: 1, hiddenGroups: 2, tailRows: 0 });
});

test('header lines fit the width and drop parts when narrow', () => {
  const snap = fixtureSnapshot();
  assert.equal(titleLine(snap, 'http://127.0.0.1:8420', 'models', true, 80), 'TokenHub  http://127.0.0.1:8420  up 1h01m      PAUSED   providers [models] keys ');
  assert.equal(statsLine(snap, 40), 'req/s 4.0 (1m 2.5)  errors 1.2%         ');
  assert.equal([...statsLine(snap, 100)].length, 100);
  assert.match(statsLine(snap, 100), /1\.0k reqs {2}[▁-█]+/);
});

test('the header shows cache reads, cache writes and reasoning tokens when there are any', () => {
  const snap = fixtureSnapshot();
  snap.totals.tokens = { prompt: 12000, completion: 3000, cached: 9000, cacheWrite: 2000, reasoning: 1500, total: 15000 };
  assert.doesNotMatch(statsLine(snap, 100), /tok /, 'not at 100 columns: the sparkline comes first');
  assert.match(statsLine(snap, 200), /[▁-█]+  tok 12k in \(cache 9\.0k read, 2\.0k write\) 3\.0k out \(1\.5k reasoning\)/);
});

test('a route names the served provider/model and the failover', () => {
  const [plain, failover, failed] = fixtureSnapshot().recent;
  assert.equal(routeText(plain!), 'gpt-4o-mini → openai/gpt-4o-mini');
  assert.equal(routeText(failover!), 'fast → anthropic/claude-3-5-haiku (2 tries)');
  assert.equal(routeText(failed!), 'gpt-4o-mini → upstream_unavailable');
  assert.equal(routeText({ ...plain!, servedModel: 'openai/gpt-4o' }), 'gpt-4o-mini → openai/gpt-4o');
  assert.equal(routeText({ ...plain!, requestedModel: 'openai/gpt-4o-mini' }), 'openai/gpt-4o-mini', 'no arrow when nothing was rerouted');
});

test('NO_COLOR turns every colour off', () => {
  assert.equal(colorEnabled({ NO_COLOR: '1' }), false);
  assert.equal(colorEnabled({ NO_COLOR: '' }), true);
  assert.equal(colorEnabled({}), true);
  assert.deepEqual(toneProps('bad', false), {});
  assert.deepEqual(toneProps('bad', true), { color: 'red' });
});
