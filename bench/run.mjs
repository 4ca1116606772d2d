#!/usr/bin/env node
// `npm run bench`: TokenHub against a bare pass-through proxy and the upstream itself,
// same machine, same load generator, alternating targets, medians of several rounds.
// See bench/README.md for how to read the numbers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/tokenhub');
const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const ROUNDS = QUICK ? 1 : 3;
const LOAD_MS = QUICK ? 1500 : 4000;
const SERIAL_N = QUICK ? 300 : 1000;
const OPEN_STREAMS = QUICK ? 200 : 1000;

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const round = (n, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Starts a child that prints `listening PORT` (or TokenHub's banner) and resolves with its port. */
function startChild(cmd, argv, env, re = /listening (\d+)/) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(re);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr.on('data', (d) => { err += d; if (err.length > 100_000) err = err.slice(-10_000); });
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`)));
  });
}

function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
}

const CHAT = (model, stream) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Say twenty words.' }], max_tokens: 64, ...(stream ? { stream: true } : {}) });

/** Closed-loop load: `connections` workers each sending the next request when the last one ended. */
async function load(target, { stream, connections, ms, model }) {
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const body = CHAT(model, stream);
  const headers = { 'content-type': 'application/json', ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) };
  const lat = [];
  const ttfc = [];
  let errors = 0;
  let peakRss = 0;
  const sampler = target.pid ? setInterval(() => { peakRss = Math.max(peakRss, procStat(target.pid).rssMb); }, 100) : undefined;
  const before = target.pid ? procStat(target.pid) : undefined;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body });
        let first = true;
        for await (const _ of res.body) if (first) { ttfc.push(performance.now() - t0); first = false; }
        if (res.statusCode !== 200) errors++;
        else lat.push(performance.now() - t0);
      } catch { errors++; }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = performance.now() - t0;
  clearInterval(sampler);
  const after = target.pid ? procStat(target.pid) : undefined;
  await pool.close();
  return {
    rps: lat.length / (elapsed / 1000),
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    ttfcP50: pct(ttfc, 0.5),
    ttfcP99: pct(ttfc, 0.99),
    errors,
    cpuMsPerReq: before ? (after.cpuMs - before.cpuMs) / Math.max(1, lat.length) : NaN,
    peakRssMb: peakRss,
  };
}

/** One connection, requests one after another, alternating targets so drift hits all alike. */
async function serial(targets, n) {
  const pools = targets.map((t) => new Pool(t.url, { connections: 1, keepAliveTimeout: 60_000 }));
  const samples = targets.map(() => []);
  const body = CHAT('bench-model', false);
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
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body: CHAT('bench-slow', true) });
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
  const cmds = { nodeBareMs: ['-e', '0'], helpMs: [BIN, '--help'], keysListMs: [BIN, 'keys', 'list'] };
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

async function startTokenHub(home, upstreamUrl, slowUrl, extraEnv = {}) {
  writeFileSync(join(home, 'config.yaml'), `
routing:
  strategy: cost
providers:
  alpha:
    type: openai-compatible
    base_url: ${upstreamUrl}/v1
    api_key: sk-bench-upstream-alpha
    models:
      bench-model: { input: 0.5, output: 1.5 }
  beta:
    type: openai-compatible
    base_url: ${upstreamUrl}/v1
    api_key: sk-bench-upstream-beta
    models:
      bench-model: { input: 0.6, output: 1.8 }
  slow:
    type: openai-compatible
    base_url: ${slowUrl}/v1
    models:
      bench-slow: { input: 0.5, output: 1.5 }
`);
  const created = spawnSync(process.execPath, [BIN, 'keys', 'create', '--name', 'bench', '--models', 'bench-*', '--budget', '1000000', '--rpm', '100000000', '--json'], {
    env: { ...process.env, TOKENHUB_HOME: home },
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(created.stderr);
  const key = JSON.parse(created.stdout).key;
  const { child, port } = await startChild(process.execPath, [BIN, 'serve', '--port', '0'], { TOKENHUB_HOME: home, NO_COLOR: '1', ...extraEnv }, /127\.0\.0\.1:(\d+)\/v1/);
  return { name: 'tokenhub', url: `http://127.0.0.1:${port}`, key, pid: child.pid, child };
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'tokenhub-bench-'));
  const children = [];
  try {
    log('starting upstreams, bare proxy and TokenHub…');
    const up = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], {});
    const slow = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], { CHUNK_DELAY_MS: '100' });
    children.push(up.child, slow.child);
    const upstreamUrl = `http://127.0.0.1:${up.port}`;
    const bareChild = await startChild(process.execPath, [join(ROOT, 'bench/bare-proxy.mjs')], { UPSTREAM: upstreamUrl });
    children.push(bareChild.child);
    const th = await startTokenHub(home, upstreamUrl, `http://127.0.0.1:${slow.port}`);
    children.push(th.child);
    const direct = { name: 'upstream', url: upstreamUrl };
    const bare = { name: 'bare', url: `http://127.0.0.1:${bareChild.port}`, pid: bareChild.child.pid };

    const results = { rounds: ROUNDS, loadMs: LOAD_MS, node: process.version, nonStream: {}, stream: {}, serial: {}, memory: {}, cli: {}, usageOff: {} };
    for (const t of [bare, th]) await load(t, { stream: false, connections: 50, ms: 800, model: 'bench-model' }); // warm-up

    const collect = { bare: { ns: [], st: [] }, tokenhub: { ns: [], st: [] } };
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1}/${ROUNDS}: 50 connections, non-streaming and streaming`);
      const order = r % 2 ? [th, bare] : [bare, th];
      for (const t of order) collect[t.name].ns.push(await load(t, { stream: false, connections: 50, ms: LOAD_MS, model: 'bench-model' }));
      for (const t of order) collect[t.name].st.push(await load(t, { stream: true, connections: 50, ms: LOAD_MS, model: 'bench-model' }));
    }
    const med = (runs, k) => median(runs.map((x) => x[k]));
    for (const name of ['bare', 'tokenhub']) {
      const { ns, st } = collect[name];
      results.nonStream[name] = { rps: med(ns, 'rps'), p50: med(ns, 'p50'), p99: med(ns, 'p99'), cpuMsPerReq: med(ns, 'cpuMsPerReq'), errors: ns.reduce((a, x) => a + x.errors, 0), peakRssMb: Math.max(...ns.map((x) => x.peakRssMb)) };
      results.stream[name] = { rps: med(st, 'rps'), ttfcP50: med(st, 'ttfcP50'), ttfcP99: med(st, 'ttfcP99'), cpuMsPerReq: med(st, 'cpuMsPerReq'), errors: st.reduce((a, x) => a + x.errors, 0), peakRssMb: Math.max(...st.map((x) => x.peakRssMb)) };
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

    log('usage recording off (same daemon build, TOKENHUB_BENCH_NO_USAGE=1), for comparison');
    th.child.kill('SIGTERM');
    await new Promise((r) => th.child.once('exit', r));
    const thOff = await startTokenHub(home, upstreamUrl, `http://127.0.0.1:${slow.port}`, { TOKENHUB_BENCH_NO_USAGE: '1' });
    children.push(thOff.child);
    await load(thOff, { stream: false, connections: 50, ms: 800, model: 'bench-model' });
    const offRuns = [];
    const onRuns = collect.tokenhub.ns.map((x) => x.rps);
    for (let r = 0; r < ROUNDS; r++) offRuns.push((await load(thOff, { stream: false, connections: 50, ms: LOAD_MS, model: 'bench-model' })).rps);
    results.usageOff = { rpsOff: median(offRuns), rpsOn: median(onRuns) };

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
  const rows = [
    ['non-streaming, 50 conns', 'req/s', round(n.bare.rps, 0), round(n.tokenhub.rps, 0), ratio(n.tokenhub.rps, n.bare.rps), '≥ 0.80×'],
    ['', 'p50 ms', round(n.bare.p50), round(n.tokenhub.p50), '', ''],
    ['', 'p99 ms', round(n.bare.p99), round(n.tokenhub.p99), '', ''],
    ['', 'CPU ms/req', round(n.bare.cpuMsPerReq, 3), round(n.tokenhub.cpuMsPerReq, 3), ratio(n.tokenhub.cpuMsPerReq, n.bare.cpuMsPerReq), '≤ 1.5×'],
    ['streaming, 50 conns', 'streams/s', round(st.bare.rps, 0), round(st.tokenhub.rps, 0), ratio(st.tokenhub.rps, st.bare.rps), '≥ 0.80×'],
    ['', 'first chunk p50 ms', round(st.bare.ttfcP50), round(st.tokenhub.ttfcP50), '', ''],
    ['', 'first chunk p99 ms', round(st.bare.ttfcP99), round(st.tokenhub.ttfcP99), '', ''],
    ['one connection', 'added p50 ms', round(r.serial.bare.addedP50, 3), round(r.serial.tokenhub.addedP50, 3), '', '≤ 0.5 ms'],
    ['', 'added p99 ms', round(r.serial.bare.addedP99, 3), round(r.serial.tokenhub.addedP99, 3), '', ''],
    ['memory', 'peak RSS under load MB', '', round(r.memory.underLoadPeakMb, 0), '', ''],
    ['', `${r.memory.openStreams.streams} open streams MB`, '', `${round(r.memory.openStreams.baselineMb, 0)} → ${round(r.memory.openStreams.peakMb, 0)} → ${round(r.memory.openStreams.afterMb, 0)}`, `${r.memory.openStreams.completed} ok`, '≤ 200 MB'],
    ['usage recording', 'req/s on / off', '', `${round(r.usageOff.rpsOn, 0)} / ${round(r.usageOff.rpsOff, 0)}`, ratio(r.usageOff.rpsOn, r.usageOff.rpsOff), '≈ 1×'],
    ['CLI start', 'median ms', `node -e 0: ${round(r.cli.nodeBareMs, 0)}`, `--help ${round(r.cli.helpMs, 0)}, keys list ${round(r.cli.keysListMs, 0)}`, ratio(r.cli.helpMs, r.cli.nodeBareMs), '--help ≤ 1.25× node -e 0'],
  ];
  const head = ['', 'metric', 'bare proxy', 'TokenHub', 'ratio', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  console.log(`\nmedians of ${r.rounds} round(s), ${r.loadMs} ms each; node ${r.node}; errors: bare ${n.bare.errors + st.bare.errors}, TokenHub ${n.tokenhub.errors + st.tokenhub.errors}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
