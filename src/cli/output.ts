/**
 * Terminal output: colours only on a TTY without NO_COLOR, plain tables a person can
 * scan, JSON for scripts, and one error type that carries its exit code.
 */

/** A user-facing failure: printed as one line on stderr, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

const wrap = (open: number, close: number) => (text: string, stream?: NodeJS.WriteStream) =>
  colorEnabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function println(text = ''): void {
  process.stdout.write(text + '\n');
}

/** Writes to stderr: notes, progress and anything a script should not parse. */
export function note(text: string): void {
  process.stderr.write(text + '\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** A left-aligned table with a dim header; numbers are right-aligned when `right` lists their columns. */
export function table(headers: string[], rows: string[][], right: number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const pad = (cell: string, i: number) => {
    const gap = ' '.repeat(widths[i]! - visibleLength(cell));
    return right.includes(i) ? gap + cell : cell + gap;
  };
  const lines = [style.dim(headers.map(pad).join('  ').trimEnd())];
  for (const r of rows) lines.push(r.map((c, i) => pad(c ?? '', i)).join('  ').trimEnd());
  return lines.join('\n');
}

export function formatUsd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n === 0) return '$0';
  if (n < 0.01) return `$${n.toFixed(6)}`;
  return `$${n.toFixed(2)}`;
}

export function formatTime(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '—';
}

/** A tiny spinner on stderr for slow steps; silent when stderr is not a TTY. */
export function spinner(text: string): { stop(final?: string): void } {
  if (!process.stderr.isTTY) return { stop: () => {} };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${text}`), 80);
  return {
    stop(final?: string) {
      clearInterval(timer);
      process.stderr.write('\r\u001b[K' + (final ? final + '\n' : ''));
    },
  };
}
