#!/usr/bin/env node
// `npm run bench`: TokenHub against a bare pass-through proxy, two calibration proxies
// (the least work a metering gateway must do, on raw node:http and inside Hono) and the
// upstream itself; same machine, same load generator, alternating targets, medians of
// several rounds. `--soak` runs the memory soak instead (soak.mjs). See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { BIN, load, log, median, pct, procStat, REQUESTS, round, sleep, startChild, startTokenHub } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const ROUNDS = QUICK ? 1 : 3;
const LOAD_MS = QUICK ? 1500 : 4000;
const PATH_MS = QUICK ? 1000 : 2500;
const SERIAL_N = QUICK ? 300 : 1000;
const OPEN_STREAMS = QUICK ? 200 : 1000;
/** the work-budget rows: µs of busy work per request added to the bare proxy */
const BURNS_US = [15, 30, 45];

/**
 * The protocol paths: a client protocol to a provider protocol through TokenHub, each
 * against the bare proxy carrying the same client request to an upstream that answers in
 * the client's own protocol (what the client would get without TokenHub).
 */
const PATHS = [
  { name: 'chat → anthropic (translated)', protocol: 'chat', model: 'bench-claude', target: 0.6 },
  { name: 'messages → anthropic (native)', protocol: 'messages', model: 'bench-claude', target: 0.8 },
  { name: 'messages → openai (translated)', protocol: 'messages', model: 'bench-model', target: 0.6 },
  { name: 'responses → openai (native)', protocol: 'responses', model: 'bench-model', target: 0.8 },
];

/** One connection, requests one after another, alternating targets so drift hits all alike. */
async function serial(targets, n) {
  const pools = targets.map((t) => new Pool(t.url, { connections: 1, keepAliveTimeout: 60_000 }));
  const samples = targets.map(() => []);
  const { body } = REQUESTS.chat('bench-model', false);
  for (let i = 0; i < n + 50; i++) {
    for (let j = 0; j < targets.length; j++) {
      const headers = { 'content-type': 'application/json', ...(targets[j].key ? { authorization: `Bearer ${targets[j].key}` } : {}) };
      const t0 = process.hrtime.bigint();
      const res = await pools[j].request({ path: '/v1/chat/completions', method: 'POST', headers, body });
      await res.body.dump();
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= 50) samples[j].push(us / 1000);
    }
  }
  await Promise.all(pools.map((p) => p.close()));
  return samples.map((s) => ({ p50: pct(s, 0.5), p99: pct(s, 0.99) }));
}

async function openStreams(target, n) {
  const pool = new Pool(target.url, { connections: n, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.key}` };
  const baseline = procStat(target.pid).rssMb;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, procStat(target.pid).rssMb); }, 100);
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      try {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body: REQUESTS.chat('bench-slow', true).body });
        for await (const _ of res.body);
        if (res.statusCode === 200) ok++;
      } catch {}
    }),
  );
  clearInterval(sampler);
  await pool.close();
  await sleep(3000);
  return { streams: n, completed: ok, baselineMb: baseline, peakMb: peak, afterMb: procStat(target.pid).rssMb };
}

/** CLI start-up: 7 runs of each command, interleaved so machine noise hits all alike; medians. */
function cliStart(home) {
  const env = { ...process.env, TOKENHUB_HOME: home };
  const bin = process.env.TOKENHUB_BENCH_BIN ?? BIN;
  const cmds = { nodeBareMs: ['-e', '0'], helpMs: [bin, '--help'], keysListMs: [bin, 'keys', 'list'] };
  const xs = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < 7; i++) {
    for (const [k, argv] of Object.entries(cmds)) {
      const t0 = performance.now();
      spawnSync(process.execPath, argv, { env, stdio: 'ignore' });
      xs[k].push(performance.now() - t0);
    }
  }
  const out = Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, median(v)]));
  return { ...out, helpRatio: out.helpMs / out.nodeBareMs };
}


async function main() {
  const home = mkdtempSync(join(tmpdir(), 'tokenhub-bench-'));
  const children = [];
  try {
    log('starting upstreams, bare proxy, calibration proxies and TokenHub…');
    const up = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], {});
    const slow = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], { CHUNK_DELAY_MS: '100' });
    children.push(up.child, slow.child);
    const upstreamUrl = `http://127.0.0.1:${up.port}`;
    const proxy = async (name, file) => {
      const p = await startChild(process.execPath, [join(ROOT, 'bench', file)], { UPSTREAM: upstreamUrl });
      children.push(p.child);
      return { name, url: `http://127.0.0.1:${p.port}`, pid: p.child.pid };
    };
    const bare = await proxy('bare', 'bare-proxy.mjs');
    const raw = await proxy('calibRaw', 'calib-raw.mjs');
    const hono = await proxy('calibHono', 'calib-hono.mjs');
    const honoNode = await proxy('calibHonoNode', 'calib-hono-node.mjs');
    const th = await startTokenHub(home, upstreamUrl, `http://127.0.0.1:${slow.port}`);
    children.push(th.child);
    const direct = { name: 'upstream', url: upstreamUrl };
    const targets = [bare, raw, hono, honoNode, th];

    const results = { rounds: ROUNDS, loadMs: LOAD_MS, pathMs: PATH_MS, node: process.version, nonStream: {}, stream: {}, paths: [], serial: {}, memory: {}, cli: {}, usageOff: {} };
    for (const t of targets) await load(t, { stream: false, connections: 50, ms: 800, model: 'bench-model' }); // warm-up

    const collect = Object.fromEntries(targets.map((t) => [t.name, { ns: [], st: [] }]));
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1}/${ROUNDS}: 50 connections, non-streaming and streaming, ${targets.length} targets`);
      const order = targets.map((_, i) => targets[(i + r) % targets.length]);
      for (const t of order) collect[t.name].ns.push(await load(t, { stream: false, connections: 50, ms: LOAD_MS, model: 'bench-model' }));
      for (const t of order) collect[t.name].st.push(await load(t, { stream: true, connections: 50, ms: LOAD_MS, model: 'bench-model' }));
    }
    const med = (runs, k) => median(runs.map((x) => x[k]));
    for (const { name } of targets) {
      const { ns, st } = collect[name];
      results.nonStream[name] = { rps: med(ns, 'rps'), p50: med(ns, 'p50'), p99: med(ns, 'p99'), cpuMsPerReq: med(ns, 'cpuMsPerReq'), errors: ns.reduce((a, x) => a + x.errors, 0), peakRssMb: Math.max(...ns.map((x) => x.peakRssMb)) };
      results.stream[name] = { rps: med(st, 'rps'), ttfcP50: med(st, 'ttfcP50'), ttfcP99: med(st, 'ttfcP99'), cpuMsPerReq: med(st, 'cpuMsPerReq'), errors: st.reduce((a, x) => a + x.errors, 0), peakRssMb: Math.max(...st.map((x) => x.peakRssMb)) };
    }

    log(`protocol paths: ${PATHS.length} × non-streaming and streaming, TokenHub and the bare proxy, ${ROUNDS} round(s)`);
    for (const path of PATHS) {
      const runs = { bare: { ns: [], st: [] }, tokenhub: { ns: [], st: [] } };
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 ? [th, bare] : [bare, th];
        for (const stream of [false, true]) {
          for (const t of order) {
            // The bare proxy carries the client's own request to an upstream speaking the client's protocol.
            const model = t === bare ? 'bench-model' : path.model;
            runs[t.name][stream ? 'st' : 'ns'].push(await load(t, { stream, connections: 50, ms: PATH_MS, model, protocol: path.protocol }));
          }
        }
      }
      const m = (name, kind, k) => med(runs[name][kind], k);
      const errors = [...runs.tokenhub.ns, ...runs.tokenhub.st].reduce((a, x) => a + x.errors, 0);
      results.paths.push({
        ...path,
        nonStream: { bare: m('bare', 'ns', 'rps'), tokenhub: m('tokenhub', 'ns', 'rps'), cpuBare: m('bare', 'ns', 'cpuMsPerReq'), cpuTokenhub: m('tokenhub', 'ns', 'cpuMsPerReq') },
        stream: { bare: m('bare', 'st', 'rps'), tokenhub: m('tokenhub', 'st', 'rps'), cpuBare: m('bare', 'st', 'cpuMsPerReq'), cpuTokenhub: m('tokenhub', 'st', 'cpuMsPerReq') },
        errors,
      });
    }

    log(`one connection: ${SERIAL_N} requests per target, alternating`);
    const serialRounds = [];
    for (let r = 0; r < ROUNDS; r++) serialRounds.push(await serial([direct, bare, th], SERIAL_N));
    const s = (i, k) => median(serialRounds.map((x) => x[i][k]));
    results.serial = {
      upstream: { p50: s(0, 'p50'), p99: s(0, 'p99') },
      bare: { p50: s(1, 'p50'), p99: s(1, 'p99'), addedP50: s(1, 'p50') - s(0, 'p50'), addedP99: s(1, 'p99') - s(0, 'p99') },
      tokenhub: { p50: s(2, 'p50'), p99: s(2, 'p99'), addedP50: s(2, 'p50') - s(0, 'p50'), addedP99: s(2, 'p99') - s(0, 'p99') },
    };

    log(`memory: ${OPEN_STREAMS} concurrent open streams against a slow upstream`);
    results.memory = { underLoadPeakMb: Math.max(results.nonStream.tokenhub.peakRssMb, results.stream.tokenhub.peakRssMb), openStreams: await openStreams(th, OPEN_STREAMS) };

    log('usage recording off (the same daemon build and logger with a sink that drops records: bench/serve-without-usage.mjs), rounds alternating with the real daemon');
    // same home, config and key; only the usage sink differs. Both run; the load alternates between them.
    const off = await startChild(process.execPath, [join(ROOT, 'bench/serve-without-usage.mjs')], { TOKENHUB_HOME: home, NO_COLOR: '1' }, /127\.0\.0\.1:(\d+)\/v1/);
    const thOff = { name: 'tokenhub', url: `http://127.0.0.1:${off.port}`, key: th.key, pid: off.child.pid, child: off.child };
    children.push(thOff.child);
    await load(thOff, { stream: false, connections: 50, ms: 800, model: 'bench-model' });
    const offRuns = [];
    const onRuns = [];
    for (let r = 0; r < ROUNDS; r++) {
      const pair = r % 2 ? [thOff, th] : [th, thOff];
      for (const t of pair) (t === th ? onRuns : offRuns).push((await load(t, { stream: false, connections: 50, ms: LOAD_MS, model: 'bench-model' })).rps);
    }
    results.usageOff = { rpsOff: median(offRuns), rpsOn: median(onRuns) };

    // After the memory phase: TokenHub idles through these rows, and V8 gives memory back when idle.
    log(`work budget: the bare proxy with ${BURNS_US.join(', ')} µs of busy work per request, non-streaming, ${ROUNDS} round(s)`);
    const burners = [];
    for (const us of BURNS_US) {
      const p = await startChild(process.execPath, [join(ROOT, 'bench/bare-proxy.mjs')], { UPSTREAM: upstreamUrl, BURN_US: String(us) });
      children.push(p.child);
      burners.push({ name: `burn${us}`, us, url: `http://127.0.0.1:${p.port}`, pid: p.child.pid, runs: [] });
    }
    const bareRuns = [];
    for (const t of burners) await load(t, { stream: false, connections: 50, ms: 800, model: 'bench-model' });
    for (let r = 0; r < ROUNDS; r++) {
      bareRuns.push(await load(bare, { stream: false, connections: 50, ms: PATH_MS, model: 'bench-model' }));
      for (const t of burners) t.runs.push(await load(t, { stream: false, connections: 50, ms: PATH_MS, model: 'bench-model' }));
    }
    results.workBudget = {
      bare: { rps: med(bareRuns, 'rps'), cpuMsPerReq: med(bareRuns, 'cpuMsPerReq') },
      burns: burners.map((t) => ({ us: t.us, rps: med(t.runs, 'rps'), cpuMsPerReq: med(t.runs, 'cpuMsPerReq') })),
    };

    log('CLI start: 7 runs each, interleaved');
    results.cli = cliStart(home);

    report(results);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}
function report(r) {
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const n = r.nonStream;
  const st = r.stream;
  const ratio = (a, b) => `${round(a / b, 2)}×`;
  // A calibration proxy's figure with its own ratio to the bare proxy.
  const cal = (group, name, k, d = 0) => `${round(group[name][k], d)} (${ratio(group[name][k], group.bare[k])})`;
  const rows = [
    ['non-streaming, 50 conns', 'req/s', round(n.bare.rps, 0), cal(n, 'calibRaw', 'rps'), cal(n, 'calibHono', 'rps'), cal(n, 'calibHonoNode', 'rps'), round(n.tokenhub.rps, 0), ratio(n.tokenhub.rps, n.bare.rps), '≥ 0.80×'],
    ['', 'p50 ms', round(n.bare.p50), round(n.calibRaw.p50), round(n.calibHono.p50), round(n.calibHonoNode.p50), round(n.tokenhub.p50), '', ''],
    ['', 'p99 ms', round(n.bare.p99), round(n.calibRaw.p99), round(n.calibHono.p99), round(n.calibHonoNode.p99), round(n.tokenhub.p99), '', ''],
    ['', 'CPU ms/req', round(n.bare.cpuMsPerReq, 3), cal(n, 'calibRaw', 'cpuMsPerReq', 3), cal(n, 'calibHono', 'cpuMsPerReq', 3), cal(n, 'calibHonoNode', 'cpuMsPerReq', 3), round(n.tokenhub.cpuMsPerReq, 3), ratio(n.tokenhub.cpuMsPerReq, n.bare.cpuMsPerReq), '≤ 1.5×'],
    ['streaming, 50 conns', 'streams/s', round(st.bare.rps, 0), cal(st, 'calibRaw', 'rps'), cal(st, 'calibHono', 'rps'), cal(st, 'calibHonoNode', 'rps'), round(st.tokenhub.rps, 0), ratio(st.tokenhub.rps, st.bare.rps), '≥ 0.80×'],
    ['', 'CPU ms/stream', round(st.bare.cpuMsPerReq, 3), cal(st, 'calibRaw', 'cpuMsPerReq', 3), cal(st, 'calibHono', 'cpuMsPerReq', 3), cal(st, 'calibHonoNode', 'cpuMsPerReq', 3), round(st.tokenhub.cpuMsPerReq, 3), ratio(st.tokenhub.cpuMsPerReq, st.bare.cpuMsPerReq), ''],
    ['', 'first chunk p50 ms', round(st.bare.ttfcP50), round(st.calibRaw.ttfcP50), round(st.calibHono.ttfcP50), round(st.calibHonoNode.ttfcP50), round(st.tokenhub.ttfcP50), '', ''],
    ['', 'first chunk p99 ms', round(st.bare.ttfcP99), round(st.calibRaw.ttfcP99), round(st.calibHono.ttfcP99), round(st.calibHonoNode.ttfcP99), round(st.tokenhub.ttfcP99), '', ''],
    ['one connection', 'added p50 ms', round(r.serial.bare.addedP50, 3), '', '', '', round(r.serial.tokenhub.addedP50, 3), '', '≤ 0.5 ms'],
    ['', 'added p99 ms', round(r.serial.bare.addedP99, 3), '', '', '', round(r.serial.tokenhub.addedP99, 3), '', ''],
    ['memory', 'peak RSS under load MB', '', '', '', '', round(r.memory.underLoadPeakMb, 0), '', ''],
    ['', `${r.memory.openStreams.streams} open streams MB`, '', '', '', '', `${round(r.memory.openStreams.baselineMb, 0)} → ${round(r.memory.openStreams.peakMb, 0)} → ${round(r.memory.openStreams.afterMb, 0)}`, `${r.memory.openStreams.completed} ok`, '≤ 200 MB'],
    ['usage recording', 'req/s on / off', '', '', '', '', `${round(r.usageOff.rpsOn, 0)} / ${round(r.usageOff.rpsOff, 0)}`, ratio(r.usageOff.rpsOn, r.usageOff.rpsOff), '≈ 1×'],
    ['CLI start', 'median ms', `node -e 0: ${round(r.cli.nodeBareMs, 0)}`, '', '', '', `--help ${round(r.cli.helpMs, 0)}, keys list ${round(r.cli.keysListMs, 0)}`, ratio(r.cli.helpMs, r.cli.nodeBareMs), '--help ≤ 1.25×'],
  ];
  printTable(['', 'metric', 'bare proxy', 'calib raw', 'calib Hono', 'calib Hono+node', 'TokenHub', 'ratio', 'target'], rows);
  console.log('\nprotocol paths (TokenHub vs the bare proxy carrying the same client request to an upstream in the client\'s protocol)');
  const pathRows = [];
  for (const p of r.paths) {
    pathRows.push([p.name, 'req/s', round(p.nonStream.bare, 0), round(p.nonStream.tokenhub, 0), ratio(p.nonStream.tokenhub, p.nonStream.bare), ratio(p.nonStream.cpuTokenhub, p.nonStream.cpuBare), `≥ ${p.target}×`]);
    pathRows.push(['', 'streams/s', round(p.stream.bare, 0), round(p.stream.tokenhub, 0), ratio(p.stream.tokenhub, p.stream.bare), ratio(p.stream.cpuTokenhub, p.stream.cpuBare), p.errors ? `${p.errors} errors` : '']);
  }
  printTable(['path', 'metric', 'bare proxy', 'TokenHub', 'ratio', 'CPU/req ratio', 'target'], pathRows);
  const wb = r.workBudget;
  console.log('\nwork budget (the bare proxy spinning N µs per request: what added work costs in throughput on this machine)');
  const tokenhubAdded = (n.tokenhub.cpuMsPerReq - n.bare.cpuMsPerReq) * 1000;
  printTable(
    ['added work', 'req/s', 'ratio', 'CPU/req ratio'],
    [
      ['none (bare)', round(wb.bare.rps, 0), '1.00×', '1.00×'],
      ...wb.burns.map((b) => [`${b.us} µs`, round(b.rps, 0), ratio(b.rps, wb.bare.rps), ratio(b.cpuMsPerReq, wb.bare.cpuMsPerReq)]),
      [`TokenHub (CPU ${round(tokenhubAdded, 0)} µs over bare)`, '', ratio(n.tokenhub.rps, n.bare.rps), ratio(n.tokenhub.cpuMsPerReq, n.bare.cpuMsPerReq)],
    ],
  );
  const errs = (name) => n[name].errors + st[name].errors;
  console.log(`\nmedians of ${r.rounds} round(s), ${r.loadMs} ms each (paths ${r.pathMs} ms); node ${r.node}; errors: bare ${errs('bare')}, calib ${errs('calibRaw') + errs('calibHono') + errs('calibHonoNode')}, TokenHub ${errs('tokenhub')}`);
}

function printTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}

(args.has('--soak') ? import('./soak.mjs').then((m) => m.soak(process.argv.slice(2))) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
