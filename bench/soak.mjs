// `npm run bench -- --soak [--soak-requests N]`: TokenHub's RSS over N mixed requests
// (default 1,000,000; loopback only), against its RSS after the first tenth. The mix:
// chat JSON and SSE, Messages native SSE, chat → Anthropic, Responses JSON, failovers
// (a provider that answers 500 is tried first), errors (unknown model, malformed JSON)
// and client aborts (a stream dropped after its first chunk). Target: RSS at the end
// within 10 % of RSS after the first 10 %. Each tenth reads RSS as it is, and again after a
// full GC forced through a loopback inspector (what the daemon keeps). See bench/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { headersFor, log, procStat, REQUESTS, round, sleep, startChild, startTokenHub } from './lib.mjs';
import { freePort, inspect } from './inspector.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONNECTIONS = 50;

/** Each entry is one kind of request; the soak cycles through them. */
export const MIX = [
  { kind: 'chat json', ...REQUESTS.chat('bench-model', false) },
  { kind: 'chat sse', ...REQUESTS.chat('bench-model', true) },
  { kind: 'messages native sse', ...REQUESTS.messages('bench-claude', true) },
  { kind: 'chat → anthropic json', ...REQUESTS.chat('bench-claude', false) },
  { kind: 'responses json', ...REQUESTS.responses('bench-model', false) },
  { kind: 'failover', ...REQUESTS.chat('bench-fo', false) },
  { kind: 'failover sse', ...REQUESTS.chat('bench-fo', true) },
  { kind: 'unknown model', ...REQUESTS.chat('bench-nope', false) },
  { kind: 'malformed json', path: '/v1/chat/completions', body: '{"model":"bench-model","messages":[' },
  { kind: 'client abort', ...REQUESTS.chat('bench-slow', true), abort: true },
];

export async function soak(argv) {
  const i = argv.indexOf('--soak-requests');
  const total = i >= 0 ? Number(argv[i + 1]) : 1_000_000;
  if (!Number.isInteger(total) || total < 1000) throw new Error('--soak-requests takes a whole number ≥ 1000');
  const checkpoints = Array.from({ length: 10 }, (_, k) => Math.round((total * (k + 1)) / 10));
  const home = mkdtempSync(join(tmpdir(), 'tokenhub-soak-'));
  const children = [];
  try {
    const up = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], {});
    const slow = await startChild(process.execPath, [join(ROOT, 'bench/upstream.mjs')], { CHUNK_DELAY_MS: '20' });
    children.push(up.child, slow.child);
    const upstreamUrl = `http://127.0.0.1:${up.port}`;
    // bench-fo: the cheap provider is down (500s), so `cost` tries it first and fails over to the dear one.
    const failover = `
  down:
    type: openai-compatible
    base_url: ${upstreamUrl}/fail/v1
    models:
      bench-fo: { input: 0.1, output: 0.1 }
  standby:
    type: openai-compatible
    base_url: ${upstreamUrl}/v1
    models:
      bench-fo: { input: 1, output: 1 }
`;
    const inspectorPort = await freePort();
    const th = await startTokenHub(home, upstreamUrl, `http://127.0.0.1:${slow.port}`, { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` }, failover);
    children.push(th.child);
    const inspector = await inspect(inspectorPort);
    const pool = new Pool(th.url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
    const headers = headersFor(th);
    const statuses = new Map();
    const samples = [];
    let sent = 0;
    let done = 0;
    let paused = null;
    const t0 = performance.now();
    log(`soak: ${total} mixed requests, ${CONNECTIONS} connections; RSS at every tenth (after a 2 s pause)`);
    const one = async (req) => {
      const ac = req.abort ? new AbortController() : undefined;
      try {
        const res = await pool.request({ path: req.path, method: 'POST', headers, body: req.body, signal: ac?.signal });
        const key = `${req.kind} ${res.statusCode}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        for await (const _ of res.body) if (ac) { ac.abort(); break; }
      } catch (err) {
        if (!ac) statuses.set(`${req.kind} error`, (statuses.get(`${req.kind} error`) ?? 0) + 1);
      }
    };
    const worker = async () => {
      while (sent < total) {
        if (paused) await paused;
        const n = sent++;
        await one(MIX[n % MIX.length]);
        done++;
        if (done === checkpoints[samples.length] && !paused) await checkpoint();
      }
    };
    const checkpoint = async () => {
      let release;
      paused = new Promise((r) => { release = r; });
      while (done < sent) await sleep(10); // in-flight requests finish
      await sleep(2000);
      const { rssMb } = procStat(th.pid);
      await inspector.gc();
      await sleep(500);
      const gcRssMb = procStat(th.pid).rssMb;
      const heapMb = await inspector.heapUsedMb();
      samples.push({ requests: done, rssMb, gcRssMb, heapMb, elapsedS: (performance.now() - t0) / 1000 });
      log(`  ${done} requests: RSS ${round(rssMb, 1)} MB, after a full GC ${round(gcRssMb, 1)} MB (JS heap ${round(heapMb, 1)} MB) (${round((performance.now() - t0) / 1000, 0)} s)`);
      paused = null;
      release();
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    if (samples.length < checkpoints.length) await checkpoint();
    await pool.close();
    inspector.close();
    const first = samples[0];
    const last = samples[samples.length - 1];
    const result = { total, connections: CONNECTIONS, samples, statuses: Object.fromEntries([...statuses].sort()), growth: last.rssMb / first.rssMb - 1, gcGrowth: last.gcRssMb / first.gcRssMb - 1 };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/soak.json'), JSON.stringify(result, null, 2));
    if (argv.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      console.log(`RSS after ${first.requests}: ${round(first.rssMb, 1)} MB; after ${last.requests}: ${round(last.rssMb, 1)} MB (${round(result.growth * 100, 1)} %, target within 10 %)`);
      console.log(`after a full GC: ${round(first.gcRssMb, 1)} MB → ${round(last.gcRssMb, 1)} MB (${round(result.gcGrowth * 100, 1)} %); JS heap ${round(first.heapMb, 1)} → ${round(last.heapMb, 1)} MB`);
      console.log(`RSS at each tenth: ${samples.map((s) => round(s.rssMb, 0)).join(' → ')} MB; after a full GC: ${samples.map((s) => round(s.gcRssMb, 0)).join(' → ')} MB; ${round(last.elapsedS, 0)} s`);
      console.log('answers:', Object.entries(result.statuses).map(([k, v]) => `${k}: ${v}`).join(', '));
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}
