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
