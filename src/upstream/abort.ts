import { EventEmitter } from 'node:events';

/**
 * A cheap abort handle for the hot path. undici takes any EventEmitter with an `abort`
 * event (and reads `reason`) as a request signal; an AbortController costs several
 * times more (EventTarget plus a transferable AbortSignal), once per request and per
 * attempt, which showed up in the profile.
 */
export class AbortHandle extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort', reason);
  }
}
