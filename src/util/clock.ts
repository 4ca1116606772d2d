/**
 * The daemon's two clocks, injected wherever time decides an outcome (key expiry,
 * budget periods, rate windows, circuit cooldowns), so tests can move time instead of
 * sleeping and pass on any date. A class that takes a clock reads no other one.
 */
export interface Clock {
  /** ms since the epoch: expiry, budget periods, circuit cooldowns, record timestamps */
  wall(): number;
  /** monotonic ms: rate windows */
  mono(): number;
}

export const systemClock: Clock = {
  wall: () => Date.now(),
  mono: () => performance.now(),
};

/**
 * A timer's delay rounded up to a coarse step, about 1 % of it (1 ms under 1 s, at most
 * 1 s): Node keeps one list per distinct delay, and a delay that differs per request (a
 * deadline minus the time so far) made and dropped a list of its own each time, about
 * twice the cost of a timer that joins a list (microbenchmark 0.65 vs 0.29 µs).
 */
export function coarseDelay(ms: number): number {
  const step = ms >= 100_000 ? 1000 : ms >= 10_000 ? 100 : ms >= 1000 ? 10 : 1;
  return Math.ceil(Math.max(0, ms) / step) * step;
}
