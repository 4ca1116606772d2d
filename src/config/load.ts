import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ConfigFile } from './schema.js';

/** A config that cannot be used; `message` lists at most five problems with file and line. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.slice(0, 5).join('\n') + (problems.length > 5 ? `\n(and ${problems.length - 5} more)` : ''));
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  path: string;
  config: ConfigFile;
  /** e.g. an unset ${VAR}: usable, but the user should hear about it */
  warnings: string[];
}

const ENV_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands ${VAR} and ${VAR:-default} in every string value. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(ENV_RE, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      missing.add(name);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, missing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, missing);
    return out;
  }
  return value;
}

function lineOf(doc: Document, counter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) return counter.linePos(node.range[0]).line;
    if (depth > 0) {
      // a map key's own position, when the value is absent or null
      const parent = doc.getIn(path.slice(0, depth - 1) as unknown[], true) as
        | { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }
        | undefined;
      const pair = parent?.items?.find((p) => p.key && p.key.value === path[depth - 1]);
      if (pair?.key?.range) return counter.linePos(pair.key.range[0]).line;
    }
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${(issue.values as unknown[]).map(String).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}${'input' in issue && issue.input === undefined ? ' (missing)' : ''}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** Parses and validates config text; throws ConfigError naming file, field and line. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const name = basename(file);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        return `${name}: ${e.message.split('\n')[0]}${line ? ` (line ${line})` : ''}`;
      }),
    );
  }
  const missing = new Set<string>();
  const raw = expandEnv(doc.toJS() ?? {}, env, missing) as Record<string, unknown>;
  // A section holding only comments parses as null; treat it as absent.
  for (const key of Object.keys(raw)) if (raw[key] === null) delete raw[key];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((issue) => {
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
        const line = lineOf(doc, counter, path);
        const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
        return `${name}: ${where}${describeIssue(issue)}${line ? ` (line ${line})` : ''}`;
      }),
    );
  }
  const warnings = [...missing].map((v) => `${name}: environment variable ${v} is not set`);
  return { path: file, config: parsed.data, warnings };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, config: configSchema.parse({}), warnings: [] };
    throw err;
  }
  return parseConfig(text, file, env);
}
