/**
 * Scans of provider JSON text on the stream hot path (a parse per chunk showed in the
 * profile). A scan reads keys as JSON allows them — whitespace around the colon
 * included — and whenever it finds the key but cannot read its value, the caller falls
 * back to a real parse: a scan may be fast or give up, never be wrong.
 */

import { isSpace } from '../request-text.js';

/**
 * Index just past the JSON string value that starts at `from` (at its opening quote,
 * after optional whitespace), or -1 when the value there is not a string.
 */
export function endOfString(json: string, from: number): number {
  let i = from;
  while (isSpace(json.charCodeAt(i))) i++;
  if (json.charCodeAt(i) !== 34) return -1;
  for (i++; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 92) i++;
    else if (ch === 34) return i + 1;
  }
  return -1;
}

const heads = new Map<string, string>();
let lastName = '';
let lastHead = '';
/** `"name"` without its opening quote (kept: the names are a handful of constants; a run of chunks asks for the same one). */
function unquotedHead(quotedName: string): string {
  if (quotedName === lastName) return lastHead;
  let head = heads.get(quotedName);
  if (head === undefined) heads.set(quotedName, (head = quotedName.slice(1)));
  lastName = quotedName;
  lastHead = head;
  return head;
}

/**
 * Where the value of key `"name"` starts (after the colon and whitespace), from `from`
 * on: `{ at, value }` with `at` the key's opening quote, or null when no such key. An
 * occurrence not followed by a colon (the same word as a string value) is skipped; an
 * unescaped quote cannot occur inside a string, so a match is a real key.
 */
export function findKey(json: string, quotedName: string, from = 0): { at: number; value: number } | null {
  // Searched for without its opening quote, which is then checked: indexOf is several times
  // quicker for a pattern whose first character is not one of JSON's many quotes.
  const bare = unquotedHead(quotedName);
  for (let hit = json.indexOf(bare, from + 1); hit >= 0; hit = json.indexOf(bare, hit + bare.length)) {
    if (json.charCodeAt(hit - 1) !== 34) continue;
    const at = hit - 1;
    let i = at + quotedName.length;
    while (isSpace(json.charCodeAt(i))) i++;
    if (json.charCodeAt(i) !== 58) continue;
    i++;
    while (isSpace(json.charCodeAt(i))) i++;
    return { at, value: i };
  }
  return null;
}

/** Sets `model` on the first object (in document order) that has one, by a real parse. */
function rewriteModelParsed(json: string, servedAs: string): string {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch {
    return json;
  }
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some(visit);
    const o = v as Record<string, unknown>;
    if ('model' in o) {
      o.model = servedAs;
      return true;
    }
    return Object.values(o).some(visit);
  };
  return visit(root) ? JSON.stringify(root) : json;
}

/**
 * Sets the first `model` key's value in serialised JSON without re-serialising it when
 * the scan can (`"model":"x"`, `"model" : "x"`, any JSON whitespace); otherwise, if the
 * text has a model key at all, by a real parse. `quoted` is the new model as a JSON string.
 */
export function rewriteModel(json: string, quoted: string): string {
  const key = findKey(json, '"model"');
  if (!key) {
    if (!json.includes('"model"')) return json;
    return rewriteModelParsed(json, JSON.parse(quoted) as string);
  }
  const end = endOfString(json, key.value);
  if (end < 0) return rewriteModelParsed(json, JSON.parse(quoted) as string);
  // Already the model the client is told (the usual case when names match): the text as it came.
  if (end - key.value === quoted.length && json.startsWith(quoted, key.value)) return json;
  return json.slice(0, key.at) + '"model":' + quoted + json.slice(end);
}

const GENERATED_FIELDS = ['"content"', '"text"', '"arguments"', '"reasoning_content"'];

/** Characters of generated text in a chunk, found by scanning rather than parsing. */
export function generatedChars(json: string): number {
  let n = 0;
  for (const field of GENERATED_FIELDS) {
    for (let key = findKey(json, field); key; key = findKey(json, field, key.value)) {
      const end = endOfString(json, key.value);
      if (end > 0) n += end - key.value - 2;
    }
  }
  return n;
}

/** Whether the chunk carries a usage object (not `"usage":null`). */
export function hasUsage(json: string): boolean {
  // Most chunks have no usage at all: indexOf says so several times quicker than lastIndexOf (V8 searches backwards naively).
  if (json.indexOf('usage"') < 0) return false;
  // usage comes last in a chunk: found from the end at once (without the opening quote, as findKey searches)
  const hit = json.lastIndexOf('usage"');
  if (hit < 1) return false;
  const key = findKey(json, '"usage"', hit - 1) ?? findKey(json, '"usage"');
  return key !== null && json.charCodeAt(key.value) === 123;
}

/** Whether the chunk is (or carries) an error object rather than choices. */
export function hasError(json: string): boolean {
  // Most chunks have no "error" text at all, which one quick search says (then neither test below can hold).
  if (json.indexOf('rror"') < 0) return false;
  // "choices" sits near the start of every normal chunk, so the scan for "error" rarely runs.
  return json.startsWith('{"error"') || (!json.includes('choices"') && findKey(json, '"error"') !== null);
}

/** The JSON text of the object that starts at `from` (its `{`), or undefined when it does not close. */
export function objectText(json: string, from: number): string | undefined {
  if (json.charCodeAt(from) !== 123) return undefined;
  let depth = 0;
  for (let i = from; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 34) {
      const end = endOfString(json, i);
      if (end < 0) return undefined;
      i = end - 1;
    } else if (ch === 123 || ch === 91) depth++;
    else if (ch === 125 || ch === 93) {
      depth--;
      if (depth === 0) return json.slice(from, i + 1);
    }
  }
  return undefined;
}

/**
 * The usage object of a whole (non-streamed) answer, read without parsing the answer:
 * the last `"usage"` key (usage comes after the content in OpenAI's chat, completions,
 * embeddings and Responses answers) and its object, parsed on its own. An answer can be
 * large (embeddings: thousands of numbers), and its text is passed on as it came anyway.
 * undefined whenever the scan cannot be sure, and the caller parses the whole answer:
 * not one JSON object, an `"error"` anywhere that is not null, no usage object.
 */
export function scanUsage(json: string): Record<string, unknown> | undefined {
  let first = 0;
  while (isSpace(json.charCodeAt(first))) first++;
  let last = json.length - 1;
  while (last > first && isSpace(json.charCodeAt(last))) last--;
  if (json.charCodeAt(first) !== 123 || json.charCodeAt(last) !== 125) return undefined;
  for (let key = findKey(json, '"error"'); key; key = findKey(json, '"error"', key.value)) {
    if (!json.startsWith('null', key.value)) return undefined;
  }
  const at = json.lastIndexOf('"usage"');
  const key = at < 0 ? null : findKey(json, '"usage"', at);
  const text = key ? objectText(json, key.value) : undefined;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * A stream's usage chunk read without parsing it: its usage object (scanUsage) and
 * whether its choices are empty. undefined when the scan cannot be sure (no choices array,
 * an error that is not null, anything scanUsage gives up on): then parse the chunk.
 */
export function scanUsageChunk(json: string): { usage: Record<string, unknown>; noChoices: boolean } | undefined {
  const choices = findKey(json, '"choices"');
  if (choices === null || json.charCodeAt(choices.value) !== 91) return undefined;
  const usage = scanUsage(json);
  if (usage === undefined) return undefined;
  let i = choices.value + 1;
  while (isSpace(json.charCodeAt(i))) i++;
  return { usage, noChoices: json.charCodeAt(i) === 93 };
}

/**
 * A whole answer passed on without a parse: its text with the model renamed in place and
 * its raw usage object (scanUsage). undefined when it cannot be (then parse it).
 */
export function scanAnswer(json: string, servedAs: string): { text: string; usage: Record<string, unknown> } | undefined {
  // An answer without a model key is parsed (parseResponse adds one). findKey, not includes: a pattern that starts with a quote is slow to search for.
  const usage = findKey(json, '"model"') !== null ? scanUsage(json) : undefined;
  return usage && { text: rewriteModel(json, JSON.stringify(servedAs)), usage };
}
