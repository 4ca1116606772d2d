type Listener = (reason: unknown) => void;

/**
 * A cheap abort handle for the hot path. undici takes any object with `once` and
 * `removeListener` for an `abort` event (and reads `aborted` and `reason`) as a request
 * signal (it checks for `on`). An AbortController costs several times more (EventTarget plus a transferable
 * AbortSignal), and so did an EventEmitter (its init and listener bookkeeping showed in
 * the profile): there are one or two per request and per attempt, each with a listener
 * or two.
 */
export class AbortHandle {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Listener[] | undefined;

  /** `fn` is called on abort (the only event, which happens at most once). */
  once(_event: 'abort', fn: Listener): this {
    (this.listeners ??= []).push(fn);
    return this;
  }

  /** The same as `once`: undici checks a signal has `on` before it calls `once`. */
  on(event: 'abort', fn: Listener): this {
    return this.once(event, fn);
  }

  removeListener(_event: 'abort', fn: Listener): this {
    const i = this.listeners?.indexOf(fn) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
    return this;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const fn of listeners) fn(reason);
  }
}
