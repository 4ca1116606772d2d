import type { BudgetPeriod } from '../store/keys.js';

export interface PeriodWindow {
  /** first ms of the period (inclusive) */
  start: number;
  /** first ms of the next period (exclusive); Infinity for `total` */
  end: number;
}

const DAY = 86_400_000;

/** The calendar period (UTC) containing `now`: days start at midnight, weeks on Monday, months on the 1st. */
export function periodWindow(period: BudgetPeriod, now = Date.now()): PeriodWindow {
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'day':
      return { start: midnight, end: midnight + DAY };
    case 'week': {
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = midnight - sinceMonday * DAY;
      return { start, end: start + 7 * DAY };
    }
    case 'month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    case 'total':
      return { start: 0, end: Infinity };
  }
}
