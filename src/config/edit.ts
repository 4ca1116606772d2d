import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, parseDocument, YAMLMap } from 'yaml';
import { parseConfig } from './load.js';
import { writePrivateFile } from './paths.js';

export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

export function exampleConfigText(): string {
  return readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
}

/**
 * Returns the map at `key` of the document's root, creating it if needed. A section
 * that holds only comments parses as a null scalar; its comments move into the map.
 */
export function sectionMap(doc: Document, key: string): YAMLMap {
  const node = doc.get(key, true);
  if (isMap(node)) return node;
  const map = new YAMLMap();
  if (isScalar(node) && node.comment) map.commentBefore = node.comment;
  doc.set(key, map);
  return map;
}

/** Turns a plain object into a YAML node whose innermost maps are written inline. */
export function compactNode(doc: Document, value: unknown, flowDepth: number): unknown {
  const node = doc.createNode(value);
  const markFlow = (n: unknown, depth: number): void => {
    if (!isMap(n)) return;
    if (depth >= flowDepth) n.flow = true;
    for (const item of n.items) markFlow(item.value, depth + 1);
  };
  markFlow(node, 0);
  return node;
}

/**
 * Edits config.yaml in place, keeping comments and order. The edited text is
 * validated before it is written, so the CLI never leaves an invalid file behind.
 */
export function editConfigFile(path: string, edit: (doc: Document) => void): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : exampleConfigText();
  const doc = parseDocument(text);
  if (doc.errors.length > 0) parseConfig(text, path); // throws the friendly error
  edit(doc);
  const out = doc.toString({ flowCollectionPadding: false });
  parseConfig(out, path, { ...process.env });
  writePrivateFile(path, out);
}
