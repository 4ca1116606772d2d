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

/** The time as ISO 8601, made once per millisecond: under load many lines share one. */
let isoMs = 0;
let iso = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? batchedStderr();
  const pretty = opts.pretty ?? false;
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const text = maskKeys(msg);
    if (pretty) {
      const safe = fields ? redactFields(fields, {}) : undefined;
      const time = isoNow().slice(11, 23);
      const rest = safe
        ? ' ' + Object.entries(safe).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
        : '';
      write(`${time} ${level.padEnd(5)} ${text}${rest}`);
    } else {
      const line: Record<string, unknown> = { time: isoNow(), level, msg: text };
      write(JSON.stringify(fields ? redactFields(fields, line) : line));
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
