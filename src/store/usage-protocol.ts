/** Messages between the usage writer (main thread) and its worker thread. */
import type { UsageRow } from './usage.js';

export type ToWorker = { type: 'records'; seq: number; rows: UsageRow[] } | { type: 'flush'; done: SharedArrayBuffer };
/** `written`: every batch up to `seq` is on disk */
export type FromWorker = { type: 'error'; message: string } | { type: 'written'; seq: number };

/** The flush flag: 0 while waiting, then whether everything sent so far is on disk. */
export const FLUSHED = 1;
export const FLUSH_FAILED = 2;
