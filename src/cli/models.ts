import type { Command } from 'commander';
import { loadConfig, pathsOf } from './context.js';
import { printJson, println, style, table } from './output.js';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the models config.yaml routes to, with prices and route aliases')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ tokenhub models\n  $ tokenhub models --json | jq -r ".[].id"')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = await loadConfig(pathsOf(cmd));
      const rows = Object.entries(config.providers).flatMap(([provider, p]) =>
        Object.entries(p.models).map(([model, info]) => ({
          id: `${provider}/${model}`,
          model,
          provider,
          type: p.type,
          input_usd_per_mtok: info?.input ?? null,
          output_usd_per_mtok: info?.output ?? null,
          cached_input_usd_per_mtok: info?.cached_input ?? null,
          cache_write_usd_per_mtok: info?.cache_write ?? null,
          context_window: info?.context ?? null,
          capabilities: info?.capabilities ?? ['chat'],
        })),
      );
      const aliases = Object.entries(config.routes).map(([alias, r]) => ({
        id: alias,
        alias: true,
        // a pattern (claude-*) catches model names nothing names exactly
        pattern: alias.includes('*') || alias.includes('?'),
        strategy: r.strategy ?? config.routing.strategy,
        targets: r.targets,
        fallback: r.fallback ?? [],
      }));
      if (opts.json) return printJson([...rows, ...aliases]);
      if (rows.length === 0) return println('No models configured. Add a provider with `tokenhub providers add`, or try `tokenhub serve --demo`.');
      const price = (n: number | null) => (n === null ? style.dim('—') : `$${n}`);
      println(
        table(
          ['MODEL', 'PROVIDER', 'IN $/M', 'OUT $/M', 'CONTEXT', 'CAPABILITIES'],
          rows.map((r) => [style.bold(r.id), r.type, price(r.input_usd_per_mtok), price(r.output_usd_per_mtok), r.context_window ? String(r.context_window) : style.dim('—'), r.capabilities.join(',')]),
          [2, 3, 4],
        ),
      );
      if (aliases.length) {
        println('');
        println(table(['ALIAS', 'STRATEGY', 'TARGETS', 'FALLBACK'], aliases.map((a) => [a.pattern ? `${style.bold(a.id)} ${style.dim('(pattern)')}` : style.bold(a.id), a.strategy, a.targets.join(', '), a.fallback.join(', ') || style.dim('—')])));
      }
    });
}
