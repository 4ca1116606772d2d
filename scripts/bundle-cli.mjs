#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js, its command modules and commander) into
 * one CommonJS file, dist/cli/tokenhub.cjs, so `tokenhub --help` reads and compiles one
 * file and nothing else (issue 16: start-up ≤ 1.25× `node -e 0`):
 * - CommonJS, because an ES module entry starts Node's ESM loader (a dozen internal
 *   modules) and an ESM `import 'node:fs'` also loads fs/promises with readline and streams;
 *   bin/tokenhub is CommonJS too (bin/package.json) and require()s the bundle.
 * - node:child_process and node:net are loaded on first use: commander requires
 *   child_process at load time only for executable subcommands, which TokenHub has none of,
 *   and net (from the CIDR parser) is needed only when an --ip option is parsed.
 * - Dynamic imports stay separate files, loaded on use (the daemon, the database, the
 *   dashboard, yaml, zod), so nothing heavy joins the start-up path.
 * bin/tokenhub falls back to dist/cli/main.js when the bundle is missing or older.
 * esbuild comes with tsx (a dev dependency); without it the bundle is skipped.
 */
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
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
const builtinRequire = createRequire(import.meta.url);

/** A CommonJS stand-in for a builtin: one getter per export, each loading the real module. */
function lazyBuiltin(name) {
  const getters = Object.keys(builtinRequire(`node:${name}`)).map(
    (key) => `Object.defineProperty(exports, ${JSON.stringify(key)}, { enumerable: true, get: () => load()[${JSON.stringify(key)}] });`,
  );
  return [`let real;`, `const load = () => (real ??= require('node:${name}'));`, ...getters].join('\n');
}

await esbuild.build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/cli/tokenhub.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // the sources are ES modules, which are strict; a CommonJS file is not unless it says so
  banner: { js: `"use strict";const __tokenhubImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
  // main.js reads ../../package.json relative to its own URL; the bundle sits beside it
  define: { 'import.meta.url': '__tokenhubImportMetaUrl' },
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
          // everything else stays a separate ES module, loaded on use; the bundle sits next to
          // main.js, so the relative specifiers stay valid as they are
          return { path: args.path, external: true };
        });
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
// the ES module bundle of earlier builds; bin/tokenhub no longer reads it
rmSync(`${root}dist/cli/tokenhub.js`, { force: true });
