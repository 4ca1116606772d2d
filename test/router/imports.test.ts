/**
 * The import graph the issue asks for: the router decides and nothing else (no upstream
 * error classes, no store types, no HTTP server), and src/ has no import circle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/**
 * Static imports and re-exports that load a module (not `import type`, which is erased;
 * not dynamic import(), which is lazy loading).
 */
function importsOf(file: string, types = false): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const statement = types ? /^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms : /^(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms;
  for (const m of text.matchAll(statement)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')).replace(/\.ts$/, ''));
  }
  return out;
}

const graph = new Map(sources(SRC).map((f) => [f.replace(/\.tsx?$/, ''), importsOf(f)]));
const name = (f: string) => relative(SRC, f);

test('the router imports nothing from upstream, store, server or the HTTP errors, not even a type', () => {
  const arrows: string[] = [];
  for (const file of graph.keys()) {
    if (!name(file).startsWith('router/')) continue;
    for (const d of importsOf(`${file}.ts`, true)) if (/^(upstream|store|server)\/|^errors$/.test(name(d))) arrows.push(`${name(file)} → ${name(d)}`);
  }
  assert.deepEqual(arrows, []);
});

/** Every circle in an import graph, as "a → b → a". */
function circlesIn(edges: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      circles.push([...path.slice(path.indexOf(f)), f].map(name).join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const d of edges.get(f) ?? []) if (edges.has(d)) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of edges.keys()) visit(f, []);
  return circles;
}

test('src/ has no import circle', () => {
  assert.deepEqual(circlesIn(graph), []);
});

test('the gateway has no circle even counting type imports, and its shared types import nothing from it', () => {
  const inGateway = (f: string) => name(f).startsWith('gateway/');
  const typed = new Map([...graph.keys()].filter(inGateway).map((f) => [f, importsOf(`${f}.ts`, true).filter(inGateway)]));
  assert.deepEqual(typed.get(join(SRC, 'gateway/types')), [], 'gateway/types.ts imports nothing from the gateway');
  assert.deepEqual(circlesIn(typed), []);
});

test('no export is dead: each is used by another module, a test, or its own file', () => {
  const roots = ['../../src/', '../../test/', '../../bench/'].map((r) => fileURLToPath(new URL(r, import.meta.url)));
  const texts = new Map(roots.flatMap((r) => sources(r).concat(r.endsWith('bench/') ? readdirSync(r).filter((f) => f.endsWith('.mjs')).map((f) => join(r, f)) : [])).map((f) => [f, readFileSync(f, 'utf8')]));
  const dead: string[] = [];
  for (const file of sources(SRC)) {
    const own = texts.get(file)!;
    for (const m of own.matchAll(/^export (?:async )?(?:function|const|class|let) ([A-Za-z0-9_]+)/gm)) {
      const word = new RegExp(`\\b${m[1]}\\b`);
      const usedElsewhere = [...texts].some(([f, t]) => f !== file && word.test(t));
      if (!usedElsewhere && (own.match(new RegExp(word, 'g')) ?? []).length < 2) dead.push(`${name(file)}: ${m[1]}`);
    }
  }
  assert.deepEqual(dead, []);
});
