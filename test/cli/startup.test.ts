/**
 * What start-up loads (issue 16: `tokenhub --help` ≤ 1.25× `node -e 0`), checked without a
 * clock: the Node internals a command loads beyond `node -e 0`, read from
 * process.moduleLoadList at exit. The bundled CLI (bin/tokenhub → dist/cli/tokenhub.cjs,
 * scripts/bundle-cli.mjs) must print help without the ES module loader, child_process, net
 * or crypto, and the key and config commands must not start the ES module loader either.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { tempHome } from '../helpers/gateway.js';

const home = tempHome();
const hook = join(home, 'module-list.cjs');
writeFileSync(hook, "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULE_LIST_OUT, JSON.stringify(process.moduleLoadList)));\n");
after(() => rmSync(home, { recursive: true, force: true }));

/**
 * The internal modules and bindings `node <args>` loads, as in process.moduleLoadList. Its
 * stdout is a file, as in the bench (a pipe would load net for the socket).
 */
function loaded(args: string[]): { list: Set<string>; stdout: string; status: number | null } {
  const out = join(home, 'modules.json');
  const stdoutFile = join(home, 'stdout.txt');
  rmSync(out, { force: true });
  const fd = openSync(stdoutFile, 'w');
  try {
    const r = spawnSync(process.execPath, ['--require', hook, ...args], {
      env: { ...process.env, TOKENHUB_HOME: home, MODULE_LIST_OUT: out, NO_COLOR: '1' },
      stdio: ['ignore', fd, 'inherit'],
    });
    return { list: new Set(JSON.parse(readFileSync(out, 'utf8')) as string[]), stdout: readFileSync(stdoutFile, 'utf8'), status: r.status };
  } finally {
    closeSync(fd);
  }
}

const bare = loaded(['-e', '0']).list;
const extra = (args: string[]) => {
  const r = loaded([BIN, ...args]);
  assert.equal(r.status, 0, `tokenhub ${args.join(' ')}`);
  return { modules: [...r.list].filter((m) => !bare.has(m)), stdout: r.stdout };
};
const esmLoader = (m: string) => m.startsWith('NativeModule internal/modules/esm/');

describe('tokenhub start-up loads only what the command needs', () => {
  test('--help prints its help without the ES module loader, child_process, net or crypto', () => {
    const { modules, stdout } = extra(['--help']);
    assert.match(stdout, /^Usage: tokenhub /);
    assert.deepEqual(modules.filter(esmLoader), []);
    for (const m of ['NativeModule child_process', 'NativeModule net', 'NativeModule crypto', 'NativeModule internal/fs/promises']) {
      assert.ok(!modules.includes(m), `--help loaded ${m}`);
    }
  });

  test('keys list opens the database without the ES module loader or crypto', () => {
    const { modules, stdout } = extra(['keys', 'list']);
    assert.match(stdout, /No keys yet/);
    assert.deepEqual(modules.filter(esmLoader), []);
    assert.ok(!modules.includes('NativeModule crypto'), 'keys list loaded crypto, which it does not use');
  });

  test('providers list reads config.yaml without the ES module loader', () => {
    const { modules, stdout } = extra(['providers', 'list']);
    assert.match(stdout, /No providers yet/);
    assert.deepEqual(modules.filter(esmLoader), []);
  });
});
