/**
 * A small structured logger. Secrets are redacted by construction: header-like fields
 * that carry credentials are dropped and anything shaped like a key is masked, so a
 * call site cannot forget. Prompts are never passed to it.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_FIELDS = new Set(['authorization', 'x-api-key', 'api-key', 'api_key', 'apikey', 'x-goog-api-key', 'token', 'secret', 'password']);
const KEY_SHAPED = /\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{8,}|\b(AIza)[0-9A-Za-z_-]{20,}/g;

/** Nesting beyond any real log field: dropped whole, so nothing below it can leak and no stack overflows. */
const MAX_DEPTH = 64;

/**
 * Masks secrets at every depth: a credential field anywhere (`{a:{b:{…{authorization}}}}`)
 * and a key-shaped string anywhere. What cannot be walked safely (a cycle, absurd
 * nesting) is replaced, never passed through unredacted.
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return maskKeys(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => redact(v, depth + 1, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = SECRET_FIELDS.has(k.toLowerCase()) ? '[redacted]' : redact(v, depth + 1, seen);
    out = o;
  }
  seen.delete(value); // the same object twice side by side is not a cycle
  return out;
}

/** Key-shaped substrings masked; the regex runs only on strings that could hold one. */
function maskKeys(s: string): string {
  return s.includes('sk-') || s.includes('AIza') ? s.replace(KEY_SHAPED, (_m, a: string, b: string) => `${a ?? b}…[redacted]`) : s;
}

/**
 * `fields` redacted into `into`: the same result as `redact`, without walking (or
 * allocating for) the flat string and number fields that almost every line has.
 */
function redactFields(fields: Record<string, unknown>, into: Record<string, unknown>): Record<string, unknown> {
  for (const k in fields) {
    if (!Object.hasOwn(fields, k)) continue;
    const v = fields[k];
    if (SECRET_FIELDS.has(k.toLowerCase())) into[k] = '[redacted]';
    else if (typeof v === 'string') into[k] = maskKeys(v);
    else into[k] = v !== null && typeof v === 'object' ? redact(v, 1) : v;
  }
  return into;
}

/**
 * What a string must not hold to be written between two quotes as it is: a character JSON
 * escapes (a lone surrogate too, as JSON.stringify does; a pair is sent the long way,
 * which gives the same text) or the start of a key maskKeys would mask.
 */
const NOT_PLAIN = /["\\\u0000-\u001f\ud800-\udfff]|sk-|AIza/;
/** A string value as the line writes it: masked, as JSON. */
const jsonString = (s: string) => (NOT_PLAIN.test(s) ? JSON.stringify(maskKeys(s)) : `"${s}"`);

/**
 * Each field name as it starts its member of a line (`,"name":`), or null for a credential
 * field: the names are a few dozen constants at the call sites, so the check and the
 * quoting are done once per name. undefined: a name only JSON.stringify places right (one
 * of the line's own, which replaces its value, or one that looks like an index and so
 * comes first).
 */
const memberHeads = new Map<string, string | null | undefined>();
function memberHead(k: string): string | null | undefined {
  const known = memberHeads.get(k);
  if (known !== undefined || memberHeads.has(k)) return known;
  const c = k.charCodeAt(0);
  const plain = !(k === 'time' || k === 'level' || k === 'msg' || k === '__proto__' || (c >= 48 && c <= 57));
  const head = !plain ? undefined : SECRET_FIELDS.has(k.toLowerCase()) ? null : `,${JSON.stringify(k)}:`;
  if (memberHeads.size < 1000) memberHeads.set(k, head);
  return head;
}

/**
 * One JSON log line: the same text as JSON.stringify of `{ time, level, msg }` with the
 * fields redacted into it (redactFields), written member by member. The request's line,
 * one per request, cost ~4 µs in the daemon's profile through an object and
 * JSON.stringify, and more than that side by side (bench/without.mjs: 4-8 % of its CPU).
 */
function jsonLine(time: string, level: Level, msg: string, fields: Record<string, unknown> | undefined): string {
  let out = `{"time":"${time}","level":"${level}","msg":${jsonString(msg)}`;
  for (const k in fields) {
    if (!Object.hasOwn(fields, k)) continue;
    const head = memberHead(k);
    if (head === undefined) return JSON.stringify(redactFields(fields, { time, level, msg: maskKeys(msg) }));
    if (head === null) {
      out += `,${JSON.stringify(k)}:"[redacted]"`;
      continue;
    }
    const v = fields[k];
    switch (typeof v) {
      case 'string':
        out += head + jsonString(v);
        break;
      case 'number':
        out += head + (Number.isFinite(v) ? String(v) : 'null');
        break;
      case 'boolean':
        out += head + (v ? 'true' : 'false');
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        break;
      default:
        out += head + (v === null ? 'null' : JSON.stringify(redact(v, 1)));
    }
  }
  return out + '}';
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: Level;
  /** human-readable lines (a TTY) instead of JSON lines */
  pretty?: boolean;
  write?: (line: string) => void;
}

/** The longest a line waits in the buffer, and the most the buffer holds before it is written. */
const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;

/**
 * Writes lines to stderr in batches: at most FLUSH_MS after the first line of a batch,
 * at once when FLUSH_BYTES are waiting, and on exit. stderr is synchronous for files
 * and pipes: one write per request (or per event-loop turn, which under load is one or
 * two requests) was ~10 % of the daemon's CPU in `npm run bench`. A daemon killed with
 * SIGKILL loses at most FLUSH_MS of log lines; usage records are not log lines.
 */
function batchedStderr(): (line: string) => void {
  let buffer = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer) process.stderr.write(buffer);
    buffer = '';
  };
  process.once('exit', flush);
  return (line) => {
    buffer += line + '\n';
    if (buffer.length >= FLUSH_BYTES) flush();
    else if (!timer) timer = setTimeout(flush, FLUSH_MS).unref();
  };
}

const DAY_MS = 86_400_000;
let isoMs = -1;
let iso = '';
let dayStart = -1;
let dayPrefix = '';
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * `new Date(ms).toISOString()`, made once per millisecond (under load several lines share
 * one) and within a day from the day's date and the time of day by arithmetic: a Date and
 * its toISOString cost ~0.5 µs of every request's log line.
 */
export function isoTime(ms: number): string {
  if (ms === isoMs) return iso;
  isoMs = ms;
  const t = ms - dayStart;
  if (dayStart < 0 || t < 0 || t >= DAY_MS || !Number.isInteger(ms)) {
    iso = new Date(ms).toISOString();
    dayStart = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    dayPrefix = iso.slice(0, iso.indexOf('T') + 1);
    return iso;
  }
  iso = `${dayPrefix}${pad((t / 3_600_000) | 0, 2)}:${pad(((t / 60_000) | 0) % 60, 2)}:${pad(((t / 1000) | 0) % 60, 2)}.${pad(t % 1000, 3)}Z`;
  return iso;
}

const isoNow = () => isoTime(Date.now());

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? batchedStderr();
  const pretty = opts.pretty ?? false;
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    if (pretty) {
      const text = maskKeys(msg);
      const safe = fields ? redactFields(fields, {}) : undefined;
      const time = isoNow().slice(11, 23);
      const rest = safe
        ? ' ' + Object.entries(safe).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
        : '';
      write(`${time} ${level.padEnd(5)} ${text}${rest}`);
    } else write(jsonLine(isoNow(), level, msg, fields));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
