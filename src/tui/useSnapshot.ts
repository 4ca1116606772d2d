import { useEffect, useRef, useState } from 'react';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { FetchSnapshot } from './source.js';

export interface SnapshotState {
  snapshot: MetricsSnapshot | null;
  /** the last failure, cleared by the next success */
  error: Error | null;
  /** failures in a row */
  failures: number;
}

/**
 * Polls `fetchSnapshot` every `intervalMs` (never two calls at once), keeps the last good
 * snapshot through failures, and stops while paused.
 */
export function useSnapshot(fetchSnapshot: FetchSnapshot, intervalMs: number, paused: boolean): SnapshotState {
  const [state, setState] = useState<SnapshotState>({ snapshot: null, error: null, failures: 0 });
  // A ref, so a caller passing a new function each render does not restart the loop.
  const fetchRef = useRef(fetchSnapshot);
  fetchRef.current = fetchSnapshot;

  useEffect(() => {
    if (paused) return;
    let cancelled = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const snapshot = await fetchRef.current();
        if (!cancelled) setState({ snapshot, error: null, failures: 0 });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (!cancelled) setState((prev) => ({ snapshot: prev.snapshot, error, failures: prev.failures + 1 }));
      }
      if (!cancelled) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [intervalMs, paused]);

  return state;
}
