/**
 * How many request-body bytes the daemon holds at once, over all requests. Each body is
 * capped (server.max_body_mb), but forty bodies just under the cap at once took the
 * daemon from 121 MiB to 1.5 GiB: past this budget a request is refused with 503 and
 * Retry-After instead of buffered.
 */
export class BodyBudget {
  private used = 0;

  /** `capBytes` is asked on every take, so a config reload applies at once */
  constructor(private readonly capBytes: () => number) {}

  /** Takes `bytes` if they fit; false (taking nothing) if not. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.capBytes()) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

/** What readJsonBody needs beyond the per-body cap; set on the context by the app (absent: no budget, no timeout). */
export interface BodyLimits {
  budget: BodyBudget;
  /** the whole body must arrive within this many ms of its first read (a body trickling in a byte at a time is cut) */
  readonly timeoutMs: number;
}
