/** A clock tests move by hand: the daemon's expiry, budgets, rate windows and cooldowns follow it, not the date. */
import type { Clock } from '../../src/util/clock.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** Starts at a fixed instant (not today), so a test passes on any date. */
export function manualClock(wallStart = Date.parse('2026-11-27T12:00:00Z')): ManualClock {
  let offset = 0;
  return {
    wall: () => wallStart + offset,
    mono: () => 1_000_000 + offset,
    advance: (ms) => void (offset += ms),
  };
}
