#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js, its command modules and commander) into
 * one file, dist/cli/tokenhub.js, so `tokenhub --help` loads one module instead of ~25:
 * on Node 20 each ESM module costs a resolve, a read and a compile, which made start-up
 * 1.5× `node -e 0` (issue 16). Dynamic imports stay separate files, loaded on use (the
 * daemon, the database, the dashboard), so nothing heavy joins the start-up path.
 * bin/tokenhub falls back to dist/cli/main.js when the bundle is missing or older.
 * esbuild comes with tsx (a dev dependency); without it the bundle is skipped.
 */
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('bundle-cli: esbuild not installed, skipping the CLI bundle (bin/tokenhub uses dist/cli/main.js)\n');
  process.exit(0);
}

await esbuild.build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/cli/tokenhub.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // commander is CommonJS and calls require('events') etc.; an ESM bundle has no require.
  banner: { js: "import { createRequire as __tokenhubRequire } from 'node:module'; const require = __tokenhubRequire(import.meta.url);" },
  plugins: [
    {
      name: 'keep-dynamic-imports-lazy',
      setup(build) {
        // The bundle sits next to main.js, so the relative specifiers stay valid as they are.
        build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      },
    },
  ],
});
