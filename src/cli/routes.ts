import { Argument, Option, type Command } from 'commander';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import type { ConfigFile, Strategy } from '../config/schema.js';
import { loadConfig, pathsOf } from './context.js';
import { CliError, note, printJson, println, style, table } from './output.js';
import { parseList } from './parse.js';

/** Kept here (not imported from the schema) so `--help` does not load zod. */
const STRATEGY_NAMES = ['cost', 'latency', 'availability', 'round-robin'] as const satisfies readonly Strategy[];

interface SetOptions {
  strategy?: Strategy;
  targets?: string[];
  /** false for --no-fallback */
  fallback?: string[] | false;
}

export interface RouteRow {
  name: string;
  /** the strategy in effect: the route's own, else the default */
  strategy: Strategy;
  strategy_source: 'route' | 'default';
  targets: string[];
  fallback: string[];
  fallback_source: 'route' | 'default' | 'none';
  /** provider/model ids the targets resolve to, in config order */
  serves: string[];
  /** targets and fallbacks that no enabled provider serves */
  unknown: string[];
  /** the name is a pattern (`claude-*`): it catches model names no model or route names exactly */
  pattern: boolean;
}

/** Every route as `routes list` shows it, with what its targets resolve to. */
export async function describeRoutes(config: ConfigFile): Promise<RouteRow[]> {
  const [{ buildCatalog }, { isPattern }] = await Promise.all([import('../router/catalog.js'), import('../router/patterns.js')]);
  const catalog = buildCatalog(config);
  const defaultFallback = config.routing.fallback ?? [];
  return Object.entries(config.routes).map(([name, r]): RouteRow => {
    const fallback = r.fallback ?? defaultFallback;
    return {
      name,
      strategy: r.strategy ?? config.routing.strategy,
      strategy_source: r.strategy ? 'route' : 'default',
      targets: r.targets,
      fallback,
      fallback_source: r.fallback ? 'route' : defaultFallback.length ? 'default' : 'none',
      serves: r.targets.flatMap((id) => (catalog.models.get(id) ?? []).map((t) => t.servedAs)),
      unknown: [...r.targets, ...fallback].filter((id) => !catalog.models.has(id)),
      pattern: isPattern(name),
    };
  });
}

/** Where a route's target goes: `gpt-4o-mini` → `gpt-4o-mini (openai, azure)`; unknown ids in yellow. */
function showTargets(ids: string[], serves: string[], unknown: string[]): string {
  if (ids.length === 0) return style.dim('—');
  return ids
    .map((id) => {
      if (unknown.includes(id)) return style.yellow(`${id} (not configured)`);
      if (id.includes('/')) return id;
      const providers = serves.filter((s) => s.endsWith(`/${id}`)).map((s) => s.slice(0, s.indexOf('/')));
      return `${id} (${providers.join(', ')})`;
    })
    .join(', ');
}

function setRoute(doc: Document, section: YAMLMap, name: string, opts: SetOptions, knownIds: Set<string>): { created: boolean } {
  const flowList = (items: string[]) => {
    const node = doc.createNode(items) as YAMLSeq;
    node.flow = true;
    return node;
  };
  let route = section.get(name, true) as YAMLMap | undefined;
  const created = !route;
  if (!route) {
    // A route named after a model spreads over every provider that serves it.
    const targets = opts.targets ?? (knownIds.has(name) ? [name] : undefined);
    if (!targets) throw new CliError(`route ${name} is new and ${name} is not a configured model: say where it goes with --targets`, 2);
    route = doc.createNode({}) as YAMLMap;
    route.set('targets', flowList(targets));
    section.set(name, route);
  }
  if (opts.strategy) route.set('strategy', opts.strategy);
  if (opts.targets) route.set('targets', flowList(opts.targets));
  if (opts.fallback === false) route.delete('fallback');
  else if (opts.fallback) route.set('fallback', flowList(opts.fallback));
  // Keep the order people write it in: strategy, targets, fallback.
  route.items.sort((a, b) => ORDER.indexOf(String(a.key)) - ORDER.indexOf(String(b.key)));
  return { created };
}

const ORDER = ['strategy', 'targets', 'fallback'];

export function registerRoutes(program: Command): void {
  const routes = program
    .command('routes')
    .description('route aliases and per-model routing: strategy, targets and fallbacks in config.yaml')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tokenhub routes list\n  $ tokenhub routes set fast --strategy latency --targets openai/gpt-4o-mini,groq/llama-3.1-8b-instant --fallback openai/gpt-4o\n  $ tokenhub routes set gpt-4o-mini --strategy round-robin',
    );

  routes
    .command('set <model-or-alias>')
    .description('create or change a route (edits config.yaml, keeping your comments)')
    .addOption(new Option('--strategy <strategy>', 'how its candidates are ordered').choices(STRATEGY_NAMES))
    .option('--targets <ids>', 'comma-separated models it goes to (short or provider/model); default for a model name: the model itself', parseList)
    .option('--fallback <ids>', 'comma-separated models tried in order after the targets fail', parseList)
    .option('--no-fallback', 'remove the route’s own fallback (routing.fallback applies again)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ tokenhub routes set fast --strategy latency --targets openai/gpt-4o-mini,ollama/llama3.2\n  $ tokenhub routes set gpt-4o --fallback anthropic/claude-sonnet-4-5\n  $ tokenhub routes set 'claude-*' --targets anthropic/claude-sonnet-4-5\n\nClients use a route by sending its name as the model. A name with * (any characters)\nor ? (one) is a pattern: it catches model names that no model or route names exactly,\nthe most specific pattern first. The X-Inferoute-Strategy and X-Inferoute-Fallback\nrequest headers override a route for one request.",
    )
    .action(async (name: string, opts: SetOptions, cmd: Command) => {
      if (!opts.strategy && !opts.targets && opts.fallback === undefined) {
        throw new CliError('nothing to change: give --strategy, --targets, --fallback or --no-fallback', 2);
      }
      if (opts.targets?.length === 0) throw new CliError('--targets needs at least one model', 2);
      const paths = pathsOf(cmd);
      const { config } = await loadConfig(paths);
      const { buildCatalog } = await import('../router/catalog.js');
      const knownIds = new Set(buildCatalog(config).models.keys());
      const { editConfigFile, sectionMap } = await import('../config/edit.js');
      let created = false;
      editConfigFile(paths.config, (doc) => {
        created = setRoute(doc, sectionMap(doc, 'routes'), name, opts, knownIds).created;
      });
      const after = (await describeRoutes((await loadConfig(paths)).config)).find((r) => r.name === name)!;
      println(`${created ? 'Added' : 'Updated'} route ${style.bold(name)}: ${after.strategy}${after.strategy_source === 'default' ? ' (default)' : ''} → ${showTargets(after.targets, after.serves, after.unknown)}`);
      if (after.fallback.length) println(`  then ${after.fallback.join(', ')}`);
      for (const id of after.unknown) note(style.yellow(`note: ${id} is not a configured model yet; add it with \`tokenhub providers add\``));
    });

  routes
    .command('list')
    .alias('ls')
    .description('list routes with their strategy, where they go and what they fall back to')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tokenhub routes list --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = await loadConfig(pathsOf(cmd));
      const rows = await describeRoutes(config);
      if (opts.json) return printJson(rows);
      const fallback = config.routing.fallback?.length ? config.routing.fallback.join(', ') : 'none';
      println(`Default strategy: ${style.bold(config.routing.strategy)}   default fallback: ${fallback}`);
      if (rows.length === 0) {
        println(style.dim('No routes yet. Add one with `tokenhub routes set fast --strategy latency --targets provider/model,...`'));
        return;
      }
      println();
      println(
        table(
          ['ROUTE', 'STRATEGY', 'TARGETS', 'FALLBACK'],
          rows.map((r) => [
            r.pattern ? `${style.bold(r.name)} ${style.dim('(pattern)')}` : style.bold(r.name),
            r.strategy_source === 'default' ? `${r.strategy} ${style.dim('(default)')}` : r.strategy,
            showTargets(r.targets, r.serves, r.unknown),
            r.fallback_source === 'default' ? `${showTargets(r.fallback, [], r.unknown)} ${style.dim('(default)')}` : showTargets(r.fallback, [], r.unknown),
          ]),
        ),
      );
    });

  routes
    .command('remove <model-or-alias>')
    .alias('rm')
    .description('remove a route from config.yaml')
    .addHelpText('after', '\nExample:\n  $ tokenhub routes remove fast')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const paths = pathsOf(cmd);
      const [{ editConfigFile, sectionMap }, { Scalar }] = await Promise.all([import('../config/edit.js'), import('yaml')]);
      editConfigFile(paths.config, (doc) => {
        const section = sectionMap(doc, 'routes');
        if (!section.has(name)) throw new CliError(`no route named ${name} in ${paths.config}`, 1, 'See `tokenhub routes list`.');
        section.delete(name);
        if (section.items.length > 0) return;
        // Back to a section holding only its comments, as `init` wrote it (not `{}`).
        const empty = new Scalar(null);
        empty.source = '';
        if (section.commentBefore) empty.comment = section.commentBefore;
        doc.set('routes', empty);
      });
      println(`Removed route ${style.bold(name)}`);
    });

  program
    .command('strategy')
    .description('show or set the default routing strategy (routing.strategy in config.yaml)')
    .addArgument(new Argument('[strategy]', 'cost, latency, availability or round-robin').choices(STRATEGY_NAMES))
    .addHelpText(
      'after',
      '\nStrategies:\n  cost          cheapest for the request’s expected tokens\n  latency       lowest recent latency as the daemon measured it\n  availability  healthiest first: recent success rate, open circuits last\n  round-robin   rotate per route (provider `weight` skews it)\n\nExamples:\n  $ tokenhub strategy latency\n  $ tokenhub strategy',
    )
    .action(async (strategy: Strategy | undefined, _opts: unknown, cmd: Command) => {
      const paths = pathsOf(cmd);
      const { config } = await loadConfig(paths);
      const was = config.routing.strategy;
      if (!strategy) return println(was);
      const { editConfigFile, sectionMap } = await import('../config/edit.js');
      editConfigFile(paths.config, (doc) => {
        sectionMap(doc, 'routing').set('strategy', strategy);
      });
      println(strategy === was ? `Default strategy is already ${style.bold(strategy)}` : `Default strategy: ${style.bold(strategy)} (was ${was})`);
    });
}
