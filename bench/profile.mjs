#!/usr/bin/env node
// Where the daemon's CPU goes under the bench's load (not part of `npm run bench`):
// TokenHub (or a calibration proxy) runs under --cpu-prof in front of the fake upstream,
// is loaded like the bench does (50 connections, closed loop), and the profile is printed
// as µs per request: by kind of work, the top functions by self time, and the inclusive
// time of TokenHub's own functions. See bench/README.md.
//
//   node bench/profile.mjs [stream] [chat|chat-large|messages|responses|responses-store] [bench-model|bench-claude] [ms] [calib-hono-node.mjs]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, log, REQUESTS, startChild, startTokenHub } from './lib.mjs';

const args = process.argv.slice(2);
const stream = args.includes('stream');
const protocol = args.find((a) => a in REQUESTS) ?? 'chat';
const model = args.find((a) => a.startsWith('bench-')) ?? 'bench-model';
const ms = Number(args.find((a) => /^\d+$/.test(a)) ?? 6000);
const calib = args.find((a) => a.endsWith('.mjs'));
const here = (name) => fileURLToPath(new URL(name, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'th-prof-'));
const home = mkdtempSync(join(tmpdir(), 'th-home-'));
const up = await startChild(process.execPath, [here('upstream.mjs'), '0'], {});
const upUrl = `http://127.0.0.1:${up.port}`;
const profArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(process.env.PROF_NODE_ARGS ?? '').split(' ').filter(Boolean)];
let target;
if (calib) {
  // A calibration proxy has no SIGTERM handler of its own; the profile is written on a normal exit.
  const exitOnTerm = 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))';
  const c = await startChild(process.execPath, [...profArgs, '--import', exitOnTerm, here(calib)], { UPSTREAM: upUrl });
  target = { url: `http://127.0.0.1:${c.port}`, pid: c.child.pid, child: c.child };
} else target = await startTokenHub(home, upUrl, upUrl, {}, '', profArgs);

const opts = { stream, connections: 50, model, protocol };
const warm = await load(target, { ...opts, ms: 1500 });
const run = await load(target, { ...opts, ms });
const requests = warm.rps * 1.5 + (run.rps * ms) / 1000;
log(`${calib ?? 'tokenhub'} ${protocol} ${model}${stream ? ' stream' : ''}: ${Math.round(run.rps)} req/s, ${(run.cpuMsPerReq * 1000).toFixed(0)} µs CPU per request (all threads); ~${Math.round(requests)} requests profiled`);
target.child.kill('SIGTERM');
await new Promise((resolve) => target.child.once('exit', resolve));
up.child.kill();

const short = (url) => url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\/.*\/bench\//, 'bench/');
const nameOf = (cf) => `${cf.functionName || '(anonymous)'} ${short(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;

/** The kind of work a frame is, for the summary. */
function kindOf(cf) {
  const { url, functionName: f } = cf;
  if (/hono/.test(url)) return 'hono';
  if (/undici/.test(url)) return 'undici';
  if (!url.includes('node_modules') && /\/dist\/(\w+)\//.test(url)) return `tokenhub ${url.match(/\/dist\/(\w+)\//)[1]}/`;
  if (/\/bench\/calib/.test(url)) return 'calibration proxy';
  if (f === '(idle)') return 'idle';
  if (f === '(garbage collector)') return 'gc';
  if (f === '(program)') return '(program)';
  if (f === 'writev' || /stream_base_commons|node:net/.test(url)) return 'socket I/O';
  if (/node:_http|node:internal\/streams|node:events|node:stream/.test(url)) return 'node http, streams, events';
  if (f === 'runMicrotasks' || /task_queues|timers/.test(url)) return 'microtasks, timers';
  return 'other (builtins, worker messages, start-up)';
}

const usPerReq = (t) => (t / requests).toFixed(1).padStart(7);
for (const file of readdirSync(dir)) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfById = new Map();
  for (let i = 0; i < p.samples.length; i++) selfById.set(p.samples[i], (selfById.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
  const kinds = new Map();
  const self = new Map();
  let busy = 0;
  for (const [id, t] of selfById) {
    const cf = byId.get(id).callFrame;
    add(kinds, kindOf(cf), t);
    add(self, nameOf(cf), t);
    if (cf.functionName !== '(idle)') busy += t;
  }
  if (busy / requests < 2) continue; // a thread that hardly ran (the usage writer is shown when it did)
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, t] of selfById) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      if (!/\/dist\//.test(cf.url) || /node_modules/.test(cf.url)) continue;
      const key = nameOf(cf);
      if (!seen.has(key)) add(inclusive, key, t);
      seen.add(key);
    }
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  log(`\n== ${file}: µs per request`);
  log('-- by kind of work');
  for (const [k, t] of top(kinds, 20)) log(`${usPerReq(t)}  ${k}`);
  log('-- top functions, self time (builtins such as JSON.parse count in their caller)');
  for (const [k, t] of top(self, 30)) log(`${usPerReq(t)}  ${k}`);
  log("-- TokenHub's functions, inclusive (synchronous part; an await ends it)");
  for (const [k, t] of top(inclusive, 30)) log(`${usPerReq(t)}  ${k}`);
}
if (!process.env.KEEP_PROFILE) rmSync(dir, { recursive: true, force: true });
else log(`profiles kept in ${dir}`);
rmSync(home, { recursive: true, force: true });
