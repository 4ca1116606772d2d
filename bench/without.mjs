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
import { fileURLToPath } from 'node:url';
import { copyBuildWith } from './lib.mjs';

const [file, find, replace, ...abArgs] = process.argv.slice(2);
if (!file || find === undefined || replace === undefined) {
  console.error('usage: node bench/without.mjs <file under dist/> <text to find> <text to put instead> [ab.mjs arguments...]');
  process.exit(2);
}
let copy;
try {
  copy = copyBuildWith([[file, find, replace]]);
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
try {
  console.error(`A: dist/${file} without ${JSON.stringify(find)}${replace ? ` (instead: ${JSON.stringify(replace)})` : ''}; B: the build as it is`);
  const ab = spawnSync(process.execPath, [fileURLToPath(new URL('ab.mjs', import.meta.url)), copy.bin, ...abArgs], { stdio: 'inherit' });
  process.exitCode = ab.status ?? 1;
} finally {
  copy.cleanup();
}
