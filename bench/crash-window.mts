/**
 * Measures what `kill -9` under load loses (the numbers in SECURITY.md): records of
 * requests whose answer the client already had, and how long before the kill the oldest
 * of them was answered. Loopback only; one child daemon per round, killed by its pid.
 *
 *   npm run build && node --import tsx bench/crash-window.mts [rounds]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAI } from '../test/fakes/openai.js';
import { openDatabase } from '../src/store/db.js';
import { SqliteKeyStore } from '../src/store/keys.js';

const BIN = fileURLToPath(new URL('../bin/tokenhub', import.meta.url));
const OUT = process.env.CRASH_WINDOW_OUT;
const report = (line: string) => (OUT ? appendFileSync(OUT, line + '\n') : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function round(fakeUrl: string, i: number) {
  const home = mkdtempSync(join(tmpdir(), 'th-crash-'));
  writeFileSync(join(home, 'config.yaml'), stringify({ providers: { acme: { type: 'openai-compatible', base_url: fakeUrl, api_key: 'sk-x-0123456789', models: { 'gpt-fake': { input: 1, output: 1 } } } } }));
  const db = openDatabase(join(home, 'tokenhub.db'));
  const { key } = new SqliteKeyStore(db).create({ name: 'load' });
  db.close();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, TOKENHUB_HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const watchdog = setTimeout(() => { child.kill('SIGKILL'); report(`round ${i}: the daemon did not get through its round in 180 s`); process.exit(1); }, 180_000);
  child.stdout!.on('data', (d) => (out += d));
  while (!/listening on (http:\/\/[^ ]+)\/v1/.test(out)) await sleep(20);
  const url = out.match(/listening on (http:\/\/\S+?)\/v1/)![1];
  let ok = 0;
  let stop = false;
  const okTimes: number[] = [];
  const body = JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
  const worker = async () => {
    while (!stop) {
      try {
        const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
        await res.body.text();
        if (res.statusCode === 200) {
          ok++;
          okTimes.push(performance.now());
        }
      } catch {
        return;
      }
    }
  };
  const workers = Array.from({ length: 32 }, worker);
  await sleep(1500);
  const killedAt = performance.now();
  child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await new Promise((r) => child.once('exit', r));
  const check = openDatabase(join(home, 'tokenhub.db'));
  const recorded = check.prepare('SELECT COUNT(*) FROM usage WHERE status = 200').pluck().get() as number;
  const integrity = check.pragma('integrity_check', { simple: true });
  check.close();
  const lost = ok - recorded;
  okTimes.sort((a, b) => a - b);
  // the window: how far before the kill the oldest answered-but-unrecorded request was answered
  // (negative: every lost one was still in flight when the kill was sent)
  const windowMs = lost > 0 ? killedAt - okTimes[okTimes.length - lost]! : 0;
  const rps = ok / 1.5;
  clearTimeout(watchdog);
  rmSync(home, { recursive: true, force: true });
  report(JSON.stringify({ round: i, answered: ok, recorded, lost, windowMs: Math.round(windowMs * 10) / 10, rps: Math.round(rps), integrity }));
}

const fake = await startFakeOpenAI();
const rounds = Number(process.argv[2] ?? 5);
for (let i = 0; i < rounds; i++) await round(fake.url, i);
await fake.close();
