#!/usr/bin/env node
// What one piece of the daemon's work costs (not part of `npm run bench`): a copy of this
// tree's build with one edit in one compiled file (a call cut out, say), run side by side
// with the build as it is through bench/ab.mjs. A is the edited copy, B the build: B/A is
// what the cut-out work costs per request. See bench/README.md.
//
//   node bench/without.mjs <file under dist/> <text to find> <text to put instead> [ab.mjs arguments...]
//   node bench/without.mjs gateway/ledger.js "this.deps.metrics.request(record);" "" stream
//
// The text must occur exactly once in the file, so an edit cannot silently miss or hit twice.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [file, find, replace, ...abArgs] = process.argv.slice(2);
if (!file || find === undefined || replace === undefined) {
  console.error('usage: node bench/without.mjs <file under dist/> <text to find> <text to put instead> [ab.mjs arguments...]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const source = readFileSync(join(root, 'dist', file), 'utf8');
const count = source.split(find).length - 1;
if (count !== 1) {
  console.error(`"${find}" occurs ${count} times in dist/${file}; it must occur exactly once (run npm run build first?)`);
  process.exit(2);
}
const copy = mkdtempSync(join(tmpdir(), 'th-without-'));
try {
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  writeFileSync(join(copy, 'dist', file), source.replace(find, replace));
  console.error(`A: dist/${file} without ${JSON.stringify(find)}${replace ? ` (instead: ${JSON.stringify(replace)})` : ''}; B: the build as it is`);
  const ab = spawnSync(process.execPath, [join(root, 'bench', 'ab.mjs'), join(copy, 'bin', 'tokenhub'), ...abArgs], { stdio: 'inherit' });
  process.exitCode = ab.status ?? 1;
} finally {
  rmSync(copy, { recursive: true, force: true });
}
