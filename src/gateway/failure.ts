/**
 * What the client hears when routing refuses or every candidate failed: the HTTP errors
 * the router decides but does not build, and the wait before a same-provider retry.
 */
import { GatewayError } from '../errors.js';
import type { Target } from '../providers/types.js';
import { PlanRefusal, planCandidates, type Plan, type PlanInput } from '../router/plan.js';
import type { RouterHealth } from '../router/health.js';
import type { Catalog } from '../router/catalog.js';
import type { AttemptLog } from '../store/usage.js';
import type { AbortHandle } from '../upstream/abort.js';

/** The router's plan, or its refusal as the client's error (400 invalid strategy, 404, 403). */
export function planOrRefuse(catalog: Catalog, input: PlanInput, health?: RouterHealth): Plan {
  try {
    return planCandidates(catalog, input, health);
  } catch (err) {
    if (err instanceof PlanRefusal) throw new GatewayError(err.code, err.message, { param: err.param });
    throw err;
  }
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
