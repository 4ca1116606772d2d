/**
 * A small decision of the attempt loop, kept out of the pipeline so it reads top to
 * bottom: may the last candidate be retried, and after how long.
 */
import { retryAfterMs, type HealthSettings } from './health.js';

/**
 * How long to wait before retrying the same provider, or undefined for "do not".
 * Only a 429 or 503 that says when (Retry-After / retry-after-ms), only within the
 * cap and the request's deadline, and only for the last candidate: with another
 * candidate left, failing over is faster than waiting.
 */
export function retryDelay(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  isLastCandidate: boolean,
  msLeft: number,
  settings: HealthSettings,
): number | undefined {
  if (!isLastCandidate || (status !== 429 && status !== 503)) return undefined;
  const wait = retryAfterMs(headers);
  if (wait === undefined || wait > settings.retryAfterCapMs || wait >= msLeft) return undefined;
  return wait;
}
