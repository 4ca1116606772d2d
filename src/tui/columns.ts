/**
 * Fitting a table into the terminal: each column has a minimum width and a priority;
 * the least important columns go first when the terminal is narrow, and the flexible
 * ones share what is left when it is wide.
 */
export interface ColumnSpec<Id extends string = string> {
  id: Id;
  title: string;
  width: number;
  /** extra cells this column may take when there is room */
  grow?: number;
  align?: 'left' | 'right';
  /** 0 is never dropped; higher numbers are dropped first */
  priority: number;
}

export interface FittedColumn<Id extends string = string> extends ColumnSpec<Id> {
  /** the width actually given */
  size: number;
}

export const GAP = 1;

export function fitColumns<Id extends string>(specs: readonly ColumnSpec<Id>[], width: number): FittedColumn<Id>[] {
  let cols = [...specs];
  const needed = (cs: readonly ColumnSpec[]) => cs.reduce((n, c) => n + c.width, 0) + GAP * Math.max(0, cs.length - 1);
  while (needed(cols) > width) {
    const worst = Math.max(...cols.map((c) => c.priority));
    if (worst === 0) break;
    // Drop the rightmost of the least important columns.
    const idx = cols.map((c) => c.priority).lastIndexOf(worst);
    cols = cols.filter((_, i) => i !== idx);
  }
  let spare = Math.max(0, width - needed(cols));
  const fitted = cols.map((c) => ({ ...c, size: c.width }));
  // Hand out spare cells one at a time so growable columns fill evenly up to their caps.
  let grew = true;
  while (spare > 0 && grew) {
    grew = false;
    for (const c of fitted) {
      if (spare > 0 && c.size < c.width + (c.grow ?? 0)) {
        c.size++;
        spare--;
        grew = true;
      }
    }
  }
  // Still too wide with only essential columns left: shrink the widest until it fits.
  let over = needed(fitted.map((c) => ({ ...c, width: c.size }))) - width;
  while (over > 0) {
    const widest = fitted.reduce((a, b) => (b.size > a.size ? b : a));
    if (widest.size <= 1) break;
    widest.size--;
    over--;
  }
  return fitted;
}
