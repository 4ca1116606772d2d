/**
 * A request body's own text, kept beside its parse so that a request forwarded in its
 * own protocol goes out as the client wrote it with only top-level fields edited (the
 * model name, say), instead of the whole body serialised again: that costs ~140 µs for a
 * 100 KB conversation, and the client's numbers, escapes and key order reach the
 * provider as sent.
 */

/** JSON's whitespace. */
export const isSpace = (ch: number) => ch === 32 || ch === 9 || ch === 10 || ch === 13;

/**
 * The text, on the parsed object (readJsonBody). A non-enumerable symbol: a copy of the
 * body ({...body}) does not carry it, and whatever changes a body in place must call
 * forgetRawText (output-cap.ts is the one place that does).
 */
const RAW_TEXT = Symbol('tokenhub.rawText');

export function keepRawText(body: object, text: string): void {
  Object.defineProperty(body, RAW_TEXT, { value: text, writable: true, configurable: true, enumerable: false });
}

export function forgetRawText(body: object): void {
  delete (body as Record<symbol, unknown>)[RAW_TEXT];
}

/** The client's text of `body`, if it is still what the body says. */
export const rawText = (body: object): string | undefined => (body as Record<symbol, string | undefined>)[RAW_TEXT];

/** The client's text of `body` with top-level fields set (withTopLevelFields); undefined when there is none or the scan gives up. */
export function editedText(body: object, set: Record<string, string>): string | undefined {
  const raw = rawText(body);
  return raw === undefined ? undefined : withTopLevelFields(raw, set);
}

/** Index just past the string whose opening quote is at `at`, found with indexOf (long strings are most of a request); -1 if it does not close. */
function skipString(json: string, at: number): number {
  for (let q = json.indexOf('"', at + 1); q >= 0; q = json.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (json.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
  }
  return -1;
}

/** Index just past the JSON value that starts at `at`; -1 when the scan cannot read one. */
function skipValue(json: string, at: number): number {
  const ch = json.charCodeAt(at);
  if (ch === 34) return skipString(json, at);
  if (ch !== 123 && ch !== 91) {
    // a number, true, false or null: up to the next delimiter
    let i = at;
    for (let c = json.charCodeAt(i); i < json.length && c !== 44 && c !== 125 && c !== 93 && !isSpace(c); c = json.charCodeAt(++i));
    return i > at ? i : -1;
  }
  let depth = 0;
  for (let i = at; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 34) {
      i = skipString(json, i) - 1;
      if (i < 0) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Where a top-level field's value is in the text: [start, end). */
export type ValueSpan = readonly [number, number];

/**
 * The top-level fields of a JSON object text and where each value is, without parsing
 * the values (a request's messages can be hundreds of KB). undefined when the text is
 * not one object the scan can read, or names a field twice (parsers disagree on which
 * one counts): the caller then serialises the parsed body instead.
 */
export function topLevelFields(json: string): { fields: Map<string, ValueSpan>; close: number } | undefined {
  const fields = new Map<string, ValueSpan>();
  let i = 0;
  const skipSpace = () => {
    while (isSpace(json.charCodeAt(i))) i++;
  };
  skipSpace();
  if (json.charCodeAt(i) !== 123) return undefined;
  i++;
  skipSpace();
  if (json.charCodeAt(i) === 125) return undefined; // {}: nothing to edit
  for (;;) {
    if (json.charCodeAt(i) !== 34) return undefined;
    const keyEnd = skipString(json, i);
    if (keyEnd < 0) return undefined;
    const quoted = json.slice(i, keyEnd);
    let key: string;
    try {
      key = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
    } catch {
      return undefined;
    }
    if (fields.has(key)) return undefined;
    i = keyEnd;
    skipSpace();
    if (json.charCodeAt(i) !== 58) return undefined;
    i++;
    skipSpace();
    const end = skipValue(json, i);
    if (end < 0) return undefined;
    fields.set(key, [i, end]);
    i = end;
    skipSpace();
    const c = json.charCodeAt(i);
    if (c === 44) {
      i++;
      skipSpace();
      continue;
    }
    if (c !== 125) return undefined;
    const close = i;
    i++;
    skipSpace();
    return i === json.length ? { fields, close } : undefined;
  }
}

/**
 * `json` with top-level fields set to the given JSON texts: replaced where the object has
 * them, added at its end otherwise. The rest of the text stays byte for byte. undefined
 * when topLevelFields cannot read the text.
 */
export function withTopLevelFields(json: string, set: Record<string, string>): string | undefined {
  const top = topLevelFields(json);
  if (!top) return undefined;
  const edits: [number, number, string][] = [];
  let added = '';
  for (const [key, value] of Object.entries(set)) {
    const span = top.fields.get(key);
    if (span) edits.push([span[0], span[1], value]);
    else added += `,${JSON.stringify(key)}:${value}`;
  }
  if (added) edits.push([top.close, top.close, added]);
  edits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end, value] of edits) {
    out += json.slice(at, start) + value;
    at = end;
  }
  return out + json.slice(at);
}
