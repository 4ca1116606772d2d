#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js, its command modules and commander) into
 * one CommonJS file, dist/cli/tokenhub.cjs, so `tokenhub --help` reads and compiles one
 * file and nothing else (issue 16: start-up ≤ 1.25× `node -e 0`):
 * - CommonJS, because an ES module entry starts Node's ESM loader (a dozen internal
 *   modules) and an ESM `import 'node:fs'` also loads fs/promises with readline and streams;
 *   bin/tokenhub is CommonJS too (bin/package.json) and runs the bundle.
 * - V8's code cache for each bundle is written next to it (made by one run of a command),
 *   which bin/tokenhub hands to the compiler: no parse and compile on every start.
 *   Code compiled from a cache cannot run import() on Node 20, so the bundle's import()s of
 *   separate ES modules call a function bin/tokenhub passes in (see runBundle there).
 * - node:child_process and node:net are loaded on first use: commander requires
 *   child_process at load time only for executable subcommands, which TokenHub has none of,
 *   and net (from the CIDR parser) is needed only when an --ip option is parsed.
 * - Dynamic imports stay separate files, loaded on use (the daemon, the dashboard, config
 *   loading with yaml and zod), so nothing heavy joins the start-up path; the small key
 *   store and usage modules are bundled but run only on their first import().
 * bin/tokenhub falls back to dist/cli/main.js when the bundle is missing or older.
 * esbuild comes with tsx (a dev dependency); without it the bundle is skipped.
 */
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('bundle-cli: esbuild not installed, skipping the CLI bundle (bin/tokenhub uses dist/cli/main.js)\n');
  process.exit(0);
}

// Node's builtins whose loading is deferred until a property is read (see above).
const LAZY_BUILTINS = ['child_process', 'net', 'crypto'];
// Modules the CLI import()s that go into the bundle, each initialised on its first import():
// the database and key store behind `keys` and `usage`, so those commands do not start the
// ES module loader either. They are small and import no package but better-sqlite3 (CommonJS).
// Modules not listed here (daemon, dashboard, config loading with yaml and zod) stay separate
// ES modules: the daemon imports the store too, and one copy of yaml and zod per process.
const BUNDLED_ON_DEMAND = ['store/db', 'store/keys', 'store/usage', 'store/usage-report', 'keys/format', 'keys/period', 'config/paths', 'providers/presets'];
// What the config commands (providers, models, routes, strategy, env, run) import(): a second
// CommonJS bundle, dist/cli/config.cjs, with yaml and zod inside, required on first use.
// As separate ES modules these are ~150 files (yaml's CommonJS ones through the ES module
// loader), which made `providers list` ~110 ms slower than `node -e 0`. Each specifier maps to
// one namespace export of the bundle; the daemon keeps its own ES module copies (other process
// or, for `serve`, never both in one process).
const CONFIG_BUNDLE = {
  '../config/load.js': 'load',
  '../config/edit.js': 'edit',
  '../router/catalog.js': 'catalog',
  '../router/patterns.js': 'patterns',
  '../providers/registry.js': 'registry',
  yaml: 'yaml',
};
const builtinRequire = createRequire(import.meta.url);
const distCli = `${root}dist/cli`;
// the sources are ES modules, which are strict; a CommonJS file is not unless it says so.
// Modules that read import.meta.url (main.js for ../../package.json, config/edit.js for
// ../../config.example.yaml) sit two folders below the root, as the bundles do.
const banner = { js: `"use strict";const __tokenhubImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` };
const define = { 'import.meta.url': '__tokenhubImportMetaUrl' };
/** What both bundles are: one minified CommonJS file for Node 20, written by this script. */
const bundleOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, logLevel: 'warning', banner, define };

const configBuild = await esbuild.build({
  write: false,
  stdin: {
    contents: Object.entries(CONFIG_BUNDLE).map(([spec, key]) => `export * as ${key} from ${JSON.stringify(spec)};`).join('\n'),
    resolveDir: distCli,
    loader: 'js',
  },
  outfile: `${distCli}/config.cjs`,
  ...bundleOptions,
  external: ['better-sqlite3'],
  plugins: [
    {
      name: 'dynamic-imports-from-dist-cli',
      setup(build) {
        // an import() in these modules stays one, now relative to the bundle's folder
        build.onResolve({ filter: /^\./ }, (args) =>
          args.kind === 'dynamic-import' ? { path: `./${relative(distCli, join(args.resolveDir, args.path))}`, external: true } : undefined,
        );
      },
    },
  ],
});

/** A CommonJS stand-in for a builtin: one getter per export, each loading the real module. */
function lazyBuiltin(name) {
  const getters = Object.keys(builtinRequire(`node:${name}`)).map(
    (key) => `Object.defineProperty(exports, ${JSON.stringify(key)}, { enumerable: true, get: () => load()[${JSON.stringify(key)}] });`,
  );
  return [`let real;`, `const load = () => (real ??= require('node:${name}'));`, ...getters].join('\n');
}

const cliBuild = await esbuild.build({
  write: false,
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/cli/tokenhub.cjs`,
  ...bundleOptions,
  plugins: [
    {
      name: 'dynamic-imports',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          // import('node:fs') in a CommonJS file would start the ES module loader: require() it instead
          if (args.path.startsWith('node:')) return { path: args.path, namespace: 'required-builtin' };
          // small modules the data commands need (keys, usage): bundled, run on first import()
          if (BUNDLED_ON_DEMAND.some((m) => args.path === `../${m}.js`)) return undefined;
          if (args.path in CONFIG_BUNDLE) return { path: args.path, namespace: 'config-bundle' };
          // everything else stays a separate ES module, loaded on use; the bundle sits next to
          // main.js, so the relative specifiers stay valid as they are
          return { path: args.path, external: true };
        });
        // import() cannot run in code compiled with a V8 code cache (bin/tokenhub's runBundle):
        // the import()s of our own command modules that stay separate ES modules call the
        // __tokenhubImport function bin/tokenhub passes in instead (a plain import() there)
        build.onLoad({ filter: /[\\/]dist[\\/]cli[\\/][^\\/]+\.js$/ }, (args) => ({
          loader: 'js',
          contents: readFileSync(args.path, 'utf8').replace(/\bimport\((['"])([^'"]+)\1\)/g, (call, _q, spec) =>
            spec.startsWith('node:') || spec in CONFIG_BUNDLE || BUNDLED_ON_DEMAND.some((m) => spec === `../${m}.js`)
              ? call
              : `__tokenhubImport(${JSON.stringify(spec)})`,
          ),
        }));
        build.onLoad({ filter: /.*/, namespace: 'config-bundle' }, (args) => ({
          loader: 'js',
          // loaded by bin/tokenhub with its code cache (runBundle there)
          contents: `module.exports = __tokenhubBundle('config')[${JSON.stringify(CONFIG_BUNDLE[args.path])}];`,
        }));
        build.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(args.path)});` }));
        // packages (better-sqlite3) are required from node_modules; commander is bundled
        build.onResolve({ filter: /^[^./]/ }, (args) =>
          args.kind !== 'dynamic-import' && !args.path.startsWith('node:') && args.path !== 'commander' && !args.importer.includes('/node_modules/')
            ? { path: args.path, external: true }
            : undefined,
        );
      },
    },
    {
      name: 'lazy-builtins',
      setup(build) {
        const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
        build.onResolve({ filter }, (args) =>
          // the stand-in's own require() is the real builtin
          args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
        );
        build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ loader: 'js', contents: lazyBuiltin(args.path) }));
      },
    },
  ],
});
// V8's code caches for the bundles, which bin/tokenhub hands to the compiler (see runBundle
// there): a bundle ends with its content hash, which names its cache, so a cache is only ever
// used with the bundle it was made from. Each is made by one run of a command that loads it,
// and kept only if that command then prints what the unbundled CLI prints. The bundles are
// written whole and renamed into place: other shells may run tokenhub during a build.
const configId = writeBundle('config', configBuild.outputFiles[0].text);
const cliId = writeBundle('tokenhub', cliBuild.outputFiles[0].text);
const home = mkdtempSync(join(tmpdir(), 'tokenhub-bundle-'));
try {
  codeCache('tokenhub', cliId, ['--help']);
  codeCache('config', configId, ['providers', 'list']);
} finally {
  rmSync(home, { recursive: true, force: true });
}
// caches of earlier bundles, and the ES module bundle of earlier builds (tokenhub.js)
const current = [`tokenhub-${cliId}.v8cache`, `config-${configId}.v8cache`];
for (const f of readdirSync(distCli)) {
  if ((/^(tokenhub|config)-[0-9a-f]+\.v8cache$/.test(f) && !current.includes(f)) || f === 'tokenhub.js') rmSync(`${distCli}/${f}`, { force: true });
}

/** Writes dist/cli/<name>.cjs with its id line; returns the id, or nothing for a bundle that cannot have a cache. */
function writeBundle(name, code) {
  let id;
  if (/\bimport\(/.test(code)) {
    // import() cannot run in code compiled from a cache: bin/tokenhub requires such a bundle as it is
    if (name === 'tokenhub') throw new Error('bundle-cli: tokenhub.cjs has an import() left; route it through __tokenhubImport');
    process.stderr.write(`bundle-cli: ${name}.cjs has an import() of its own, so it runs without a code cache\n`);
  } else {
    id = createHash('sha256').update(code).digest('hex').slice(0, 16);
    code += `// tokenhub-bundle-id ${id}\n`;
  }
  const file = `${distCli}/${name}.cjs`;
  writeFileSync(`${file}.${process.pid}.tmp`, code);
  renameSync(`${file}.${process.pid}.tmp`, file);
  return id;
}

function codeCache(name, id, args) {
  if (!id) return;
  const run = (entry, env = {}) =>
    spawnSync(process.execPath, [entry, ...args], { env: { ...process.env, NO_COLOR: '1', TOKENHUB_HOME: home, ...env }, encoding: 'utf8' });
  const made = run(`${root}bin/tokenhub`, { TOKENHUB_WRITE_CODE_CACHE: name });
  const cacheFile = `${distCli}/${name}-${id}.v8cache`;
  const same = (r, ref) => r.status === ref.status && r.stdout === ref.stdout && r.stderr === ref.stderr;
  if (made.status !== 0 || !existsSync(cacheFile) || !same(run(`${root}bin/tokenhub`), run(`${distCli}/main.js`))) {
    rmSync(cacheFile, { force: true });
    process.stderr.write(`bundle-cli: could not write a working code cache for ${name}.cjs; it starts without one\n`);
  }
}
