/** Unicode block charts as plain strings, so they can be tested and measured. */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A horizontal bar `width` cells wide, filled to `fraction` (0..1) in eighths of a cell. */
export function bar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  // Any traffic at all gets a sliver, so a small share never looks like none.
  const shown = f > 0 && eighths === 0 ? 1 : eighths;
  const full = Math.floor(shown / 8);
  const part = EIGHTHS[shown % 8]!;
  return ('█'.repeat(full) + part).padEnd(width, ' ');
}

/**
 * The last `width` values as a sparkline, scaled between their min and max (a flat series
 * sits in the middle), or from zero when `fromZero` (counts, where 0 must look like 0).
 * Empty cells pad the left when there are fewer values than cells.
 */
export function sparkline(values: readonly number[], width: number, fromZero = false): string {
  if (width <= 0) return '';
  const shown = values.slice(-width).filter((v) => Number.isFinite(v));
  if (shown.length === 0) return ' '.repeat(width);
  let min = Infinity;
  let max = -Infinity;
  for (const v of shown) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (fromZero) min = Math.min(0, min);
  if (fromZero && max === 0) return SPARKS[0]!.repeat(shown.length).padStart(width, ' ');
  const span = max - min;
  const line = shown
    .map((v) => (span === 0 ? SPARKS[3]! : SPARKS[Math.min(7, Math.floor(((v - min) / span) * 8))]!))
    .join('');
  return line.padStart(width, ' ');
}
