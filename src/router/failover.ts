/**
 * The small decisions of the attempt loop, kept out of the pipeline so it reads top
 * to bottom: may the last candidate be retried, and what the client hears when every
 * candidate failed.
 */
import type { AbortHandle } from '../upstream/abort.js';
import { GatewayError } from '../errors.js';
import type { Target } from '../providers/types.js';
import type { AttemptLog } from '../store/usage.js';
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

/** Resolves after `ms`, or early (with false) when the signal aborts. */
export function pause(ms: number, signal?: AbortHandle): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.once('abort', onAbort);
  });
}

function describeAttempt(a: AttemptLog): string {
  const why = a.status !== undefined ? `HTTP ${a.status}` : (a.error ?? 'failed');
  return `${a.provider}/${a.model} (${why}, ${a.ms} ms)`;
}

/** 502 upstream_unavailable naming each attempt (provider, model, status or error, ms) and each skipped candidate. */
export function allFailedError(
  model: string,
  attempts: AttemptLog[],
  skipped: readonly Target[],
  deadlineExceeded: boolean,
  headers: Record<string, string>,
): GatewayError {
  const parts = attempts.map(describeAttempt);
  for (const t of skipped) parts.push(`${t.servedAs} (skipped: circuit open)`);
  const tail = deadlineExceeded ? '; the request deadline passed' : '';
  const message = attempts.length || skipped.length
    ? `Every provider failed for \`${model}\`: ${parts.join('; ')}${tail}`
    : `No provider could be tried for \`${model}\`${tail}`;
  const details: Record<string, unknown> = { attempts };
  if (skipped.length) details.skipped = skipped.map((t) => ({ provider: t.provider.name, model: t.model, reason: 'circuit_open' }));
  return new GatewayError('upstream_unavailable', message, { details, headers });
}

/** The same error with `x-inferoute-attempts` (and any other headers) added. */
export function withHeaders(err: GatewayError, headers: Record<string, string>): GatewayError {
  return new GatewayError(err.code, err.message, {
    param: err.param,
    status: err.status,
    ...(err.details ? { details: err.details } : {}),
    headers: { ...err.headers, ...headers },
  });
}
