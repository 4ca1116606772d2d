// Shared pieces of the benchmark: child processes, /proc sampling, request bodies per
// protocol and the closed-loop load generator (undici Pool, one worker per connection).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export const BIN = fileURLToPath(new URL('../bin/tokenhub', import.meta.url));
/** TokenHub's entry for startTokenHub: this tree's, or another build's (A/B comparisons) */
const tokenhubBin = () => process.env.TOKENHUB_BENCH_BIN ?? BIN;
export const log = (...a) => process.stderr.write(a.join(' ') + '\n');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
export const round = (n, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Starts a child that prints `listening PORT` (or TokenHub's banner) and resolves with its port. */
export function startChild(cmd, argv, env, re = /listening (\d+)/) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.length > 100_000) out = out.slice(-10_000);
      const m = out.match(re);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr.on('data', (d) => { err += d; if (err.length > 100_000) err = err.slice(-10_000); });
    let started = false;
    child.stdout.once('data', () => { started = true; });
    child.on('exit', (code, signal) => {
      const why = new Error(`${argv.join(' ')} exited ${code ?? signal}: ${err.slice(-2000)}`);
      // Killed by the bench at its end is expected; anything else mid-run is worth seeing.
      if (started && code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') log(why.message);
      reject(why);
    });
  });
}

export function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
}

const PROMPT = 'Say twenty words.';
/** A coding agent's long conversation: 60 turns, about 100 KB of JSON (code, quotes, newlines). */
const LONG_CHAT = Array.from({ length: 60 }, (_, i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content: 'Some code: function f(x) { return x * 2; }\n"quoted" text and more words here. '.repeat(20),
}));

/** A request in each inbound protocol: path and body (`chat-large`: chat with a 100 KB conversation). */
export const REQUESTS = {
  'chat-large': (model, stream) => ({ path: '/v1/chat/completions', body: JSON.stringify({ model, messages: [...LONG_CHAT, { role: 'user', content: PROMPT }], max_tokens: 64, ...(stream ? { stream: true } : {}) }) }),
  chat: (model, stream) => ({ path: '/v1/chat/completions', body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 64, ...(stream ? { stream: true } : {}) }) }),
  messages: (model, stream) => ({ path: '/v1/messages', body: JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: PROMPT }], ...(stream ? { stream: true } : {}) }) }),
  responses: (model, stream) => ({ path: '/v1/responses', body: JSON.stringify({ model, input: PROMPT, max_output_tokens: 64, store: false, ...(stream ? { stream: true } : {}) }) }),
  // store left out: true, the API's default (the Agents SDK's and the AI SDK's requests): TokenHub keeps each answer
  'responses-store': (model, stream) => ({ path: '/v1/responses', body: JSON.stringify({ model, input: PROMPT, max_output_tokens: 64, ...(stream ? { stream: true } : {}) }) }),
};

export const headersFor = (target) => ({ 'content-type': 'application/json', ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) });

/** Closed-loop load: `connections` workers each sending the next request when the last one ended. */
export async function load(target, { stream, connections, ms, model, protocol = 'chat' }) {
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const { path, body } = REQUESTS[protocol](model, stream);
  const headers = headersFor(target);
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
        const res = await pool.request({ path, method: 'POST', headers, body });
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

/** TokenHub as a user runs it: key auth with a model allowlist, budget and rpm, the cost strategy over two priced providers, usage recorded. */
export async function startTokenHub(home, upstreamUrl, slowUrl, extraEnv = {}, extraProviders = '', nodeArgs = []) {
  writeFileSync(join(home, 'config.yaml'), `
routing:
  strategy: cost
providers:
  alpha:
    type: openai-compatible
    base_url: ${upstreamUrl}/v1
    api_key: sk-bench-upstream-alpha
    responses: true
    models:
      bench-model: { input: 0.5, output: 1.5 }
  beta:
    type: openai-compatible
    base_url: ${upstreamUrl}/v1
    api_key: sk-bench-upstream-beta
    models:
      bench-model: { input: 0.6, output: 1.8 }
    responses: true
  claude:
    type: anthropic
    base_url: ${upstreamUrl}
    api_key: sk-ant-bench-upstream
    models:
      bench-claude: { input: 3, output: 15 }
  slow:
    type: openai-compatible
    base_url: ${slowUrl}/v1
    models:
      bench-slow: { input: 0.5, output: 1.5 }
${extraProviders}`);
  const created = spawnSync(process.execPath, [tokenhubBin(), 'keys', 'create', '--name', 'bench', '--models', 'bench-*', '--budget', '1000000', '--rpm', '100000000', '--json'], {
    env: { ...process.env, TOKENHUB_HOME: home },
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(created.stderr);
  const key = JSON.parse(created.stdout).key;
  const { child, port } = await startChild(process.execPath, [...nodeArgs, tokenhubBin(), 'serve', '--port', '0'], { TOKENHUB_HOME: home, NO_COLOR: '1', ...extraEnv }, /127\.0\.0\.1:(\d+)\/v1/);
  return { name: 'tokenhub', url: `http://127.0.0.1:${port}`, key, pid: child.pid, child };
}

/**
 * A copy of this tree's build (bin/, dist/, package.json, a node_modules link) with edits
 * in compiled files: [file under dist/, text or RegExp to find, text to put instead]. Each
 * must match exactly once, so an edit cannot silently miss or hit twice. Returns the copy's
 * bin/tokenhub; `cleanup()` removes the copy.
 */
export function copyBuildWith(edits) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const copy = mkdtempSync(join(tmpdir(), 'th-copy-'));
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  for (const [file, find, replace] of edits) {
    const path = join(copy, 'dist', file);
    const source = readFileSync(path, 'utf8');
    const hits = typeof find === 'string' ? source.split(find).length - 1 : (source.match(new RegExp(find.source, 'g')) ?? []).length;
    if (hits !== 1) {
      rmSync(copy, { recursive: true, force: true });
      throw new Error(`${find} occurs ${hits} times in dist/${file}; it must occur exactly once (run npm run build first?)`);
    }
    writeFileSync(path, source.replace(find, () => replace));
  }
  return { bin: join(copy, 'bin', 'tokenhub'), cleanup: () => rmSync(copy, { recursive: true, force: true }) };
}
