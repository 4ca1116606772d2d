import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, pathsOf } from './context.js';
import { CliError, note, printJson, println, style, table } from './output.js';
import { collect } from './parse.js';
import { PRESET_NAMES, presetFor } from '../providers/presets.js';

export interface ModelSpec {
  id: string;
  input?: number;
  output?: number;
}

/** "gpt-4o-mini:0.15:0.6" → id and prices; ids may contain ":" themselves (llama3.2:3b). */
export function parseModelSpec(text: string): ModelSpec {
  const parts = text.split(':');
  if (parts.length >= 3) {
    const out = Number(parts.at(-1));
    const inp = Number(parts.at(-2));
    const isPrice = (s: string | undefined) => s !== undefined && s !== '' && Number.isFinite(Number(s));
    if (isPrice(parts.at(-1)) && isPrice(parts.at(-2))) {
      if (inp < 0 || out < 0) throw new InvalidArgumentError('prices must not be negative');
      return { id: parts.slice(0, -2).join(':'), input: inp, output: out };
    }
  }
  if (!text) throw new InvalidArgumentError('expected ID or ID:input_usd_per_mtok:output_usd_per_mtok');
  return { id: text };
}

interface AddOptions {
  type?: string;
  preset?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  apiKey?: string;
  model?: string[];
  force?: boolean;
  streamUsage?: boolean;
}

/** `--preset` fills what the user did not say: type, base URL, the usual key variable. */
function applyPreset(opts: AddOptions): void {
  const preset = opts.preset ? presetFor(opts.preset) : undefined;
  if (!preset) return;
  if (opts.type && opts.type !== preset.type) throw new CliError(`--preset ${opts.preset} means --type ${preset.type}, not ${opts.type}`, 2);
  opts.type = preset.type;
  opts.baseUrl ??= preset.baseUrl;
  if (!opts.apiKey) opts.apiKeyEnv ??= preset.apiKeyEnv;
  if (preset.streamUsage === false) opts.streamUsage = false;
}

export function registerProviders(program: Command): void {
  const providers = program
    .command('providers')
    .description('add, list and remove upstream providers in config.yaml')
    .addHelpText('after', '\nExamples:\n  $ tokenhub providers list\n  $ tokenhub providers add groq --type openai-compatible --base-url https://api.groq.com/openai/v1 --api-key-env GROQ_API_KEY --model llama-3.1-8b-instant:0.05:0.08');

  providers
    .command('add <name>')
    .description('add a provider (edits config.yaml, keeping your comments)')
    .addOption(new Option('--type <type>', 'provider type (or use --preset)').choices(['openai', 'anthropic', 'gemini', 'openai-compatible']))
    .addOption(new Option('--preset <preset>', 'fill type, base URL and the usual API-key variable for a known provider').choices(PRESET_NAMES))
    .option('--base-url <url>', 'API base URL (required for openai-compatible), e.g. http://127.0.0.1:11434/v1')
    .option('--api-key-env <VAR>', 'read the provider key from this environment variable (recommended)')
    .option('--api-key <key>', 'store the provider key in config.yaml (the file is kept at mode 0600)')
    .option('--model <ID[:in:out]>', 'a model it serves, with optional USD prices per million input/output tokens; repeatable', collect)
    .option('--force', 'replace a provider of the same name')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tokenhub providers add groq --preset groq --model llama-3.1-8b-instant:0.05:0.08\n  $ tokenhub providers add openai --type openai --api-key-env OPENAI_API_KEY --model gpt-4o-mini:0.15:0.6 --model gpt-4o:2.5:10\n  $ tokenhub providers add ollama --type openai-compatible --base-url http://127.0.0.1:11434/v1 --model llama3.2:0:0',
    )
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      const paths = pathsOf(cmd);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new CliError(`provider name ${JSON.stringify(name)} may use letters, digits, ".", "_" and "-" only`, 2);
      if (opts.apiKey && opts.apiKeyEnv) throw new CliError('use either --api-key-env or --api-key, not both', 2);
      applyPreset(opts);
      if (!opts.type) throw new CliError('--type or --preset is required', 2);
      if (opts.type === 'openai-compatible' && !opts.baseUrl) throw new CliError('--base-url is required for --type openai-compatible', 2);
      // A preset's models come with their published prices (cache prices too): all of them
      // when no --model is given, else the prices of the ones named without prices.
      const known = (opts.preset ? presetFor(opts.preset)?.models : undefined) ?? {};
      const models: Record<string, Record<string, unknown>> = opts.model ? {} : { ...known };
      for (const spec of (opts.model ?? []).map(parseModelSpec)) {
        models[spec.id] = spec.input === undefined ? { ...known[spec.id] } : { input: spec.input, output: spec.output };
      }
      const { editConfigFile, sectionMap, compactNode } = await import('../config/edit.js');
      editConfigFile(paths.config, (doc) => {
        const section = sectionMap(doc, 'providers');
        if (section.has(name) && !opts.force) throw new CliError(`provider ${name} already exists in ${paths.config}`, 1, 'Use --force to replace it.');
        const entry: Record<string, unknown> = { type: opts.type };
        if (opts.baseUrl) entry.base_url = opts.baseUrl;
        if (opts.apiKeyEnv) entry.api_key_env = opts.apiKeyEnv;
        if (opts.apiKey) entry.api_key = opts.apiKey;
        if (opts.streamUsage === false) entry.stream_usage = false;
        entry.models = models;
        section.set(name, compactNode(doc, entry, 2));
      });
      println(`Added provider ${style.bold(name)} (${opts.type}) with ${Object.keys(models).length} model(s) to ${paths.config}`);
      if (opts.apiKey) note(style.yellow('note: the key is stored in config.yaml; --api-key-env keeps it out of files'));
      if (opts.apiKeyEnv && !process.env[opts.apiKeyEnv]) note(style.yellow(`note: ${opts.apiKeyEnv} is not set in this shell`));
    });

  providers
    .command('list')
    .description('list configured providers')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tokenhub providers list --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = await loadConfig(pathsOf(cmd));
      const rows = Object.entries(config.providers).map(([name, p]) => ({
        name,
        type: p.type,
        base_url: p.base_url ?? null,
        api_key: p.api_key_env ? `env:${p.api_key_env}` : p.api_key ? 'in config' : null,
        enabled: p.enabled !== false,
        models: Object.keys(p.models),
      }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return println('No providers yet. Add one with `tokenhub providers add`, or try `tokenhub serve --demo`.');
      println(
        table(
          ['NAME', 'TYPE', 'BASE URL', 'KEY', 'MODELS'],
          rows.map((r) => [style.bold(r.name), r.type, r.base_url ?? style.dim('default'), r.api_key ?? style.dim('none'), r.models.join(', ')]),
        ),
      );
    });

  providers
    .command('remove <name>')
    .alias('rm')
    .description('remove a provider from config.yaml')
    .addHelpText('after', '\nExample:\n  $ tokenhub providers remove ollama')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const paths = pathsOf(cmd);
      const { editConfigFile, sectionMap } = await import('../config/edit.js');
      editConfigFile(paths.config, (doc) => {
        const section = sectionMap(doc, 'providers');
        if (!section.has(name)) throw new CliError(`no provider named ${name} in ${paths.config}`);
        section.delete(name);
      });
      println(`Removed provider ${style.bold(name)}`);
    });

  providers
    .command('test <name>')
    .description('send a tiny request to a provider and list the models it offers')
    .option('--model <id>', 'the configured model to try (default: the first one)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tokenhub providers test ollama')
    .action(async (name: string, opts: { model?: string; json?: boolean }, cmd: Command) => {
      const { config } = await loadConfig(pathsOf(cmd));
      const [{ buildCatalog }, { adapterFor }, { probeProvider }] = await Promise.all([
        import('../router/catalog.js'),
        import('../providers/registry.js'),
        import('../providers/presets.js'),
      ]);
      const catalog = buildCatalog(config);
      const runtime = catalog.providers.get(name);
      const adapter = runtime && adapterFor(runtime.type);
      if (!runtime || !adapter) {
        const why = catalog.warnings.find((w) => w.startsWith(`provider ${name}:`));
        throw new CliError(why ?? `no enabled provider named ${name} in config.yaml`);
      }
      const targets = catalog.entries.filter((e) => e.target.provider === runtime).map((e) => e.target);
      const target = targets.find((t) => t.model === opts.model) ?? targets[0];
      if (opts.model && target?.model !== opts.model) throw new CliError(`provider ${name} has no model ${opts.model}`, 2);
      const fallback = { provider: runtime, model: '', upstreamModel: '', servedAs: `${name}/`, info: null };
      const r = await probeProvider(target ?? fallback, adapter, target?.upstreamModel);
      if (opts.json) printJson(r);
      else {
        println(`${style.bold(r.provider)} (${r.type}) at ${r.baseUrl}`);
        const q = r.request;
        if (!q) println(`  request  ${style.dim('skipped: no model configured')}`);
        else if (q.ok) println(`  request  ${q.model} → ${style.green(String(q.status))} in ${q.latencyMs} ms: ${JSON.stringify(q.reply)}`);
        else println(`  request  ${q.model} → ${style.red(q.status === null ? 'failed' : String(q.status))} in ${q.latencyMs} ms: ${q.error}`);
        const m = r.models;
        println(`  models   ${m.ok ? `${m.ids.length}: ${m.ids.join(', ')}` : style.dim(`not listed (${m.status ?? m.error})`)}`);
      }
      if (r.request && !r.request.ok) process.exitCode = 1;
    });
}
