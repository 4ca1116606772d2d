/**
 * One attempt: one candidate, one upstream call, one tagged result. The pipeline's loop
 * decides what comes next from the tag alone (serve, next candidate, the same one again,
 * stop); nothing here knows about other candidates.
 */
import { GatewayError } from '../errors.js';
import { adapterFor } from '../providers/registry.js';
import type { NativeAdapter, RequestContext, Target, UpstreamCall, Usage } from '../providers/types.js';
import { retryDelay } from '../router/failover.js';
import type { HealthSettings, RouterHealth } from '../router/health.js';
import type { AttemptLog } from '../store/usage.js';
import { AbortHandle } from '../upstream/abort.js';
import { abortForFirstByte, describeUpstreamError, failureKind, type UpstreamResponse } from '../upstream/client.js';
import type { GatewayDeps, ProxyResult, RequestLedger } from './ledger.js';
import { openRelay, type Relay } from './stream.js';

/** Provider statuses that say "try elsewhere" rather than "your request is wrong". */
export function isFailoverStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}

export type AttemptResult =
  | { kind: 'served'; result: ProxyResult }
  /** the provider failed; `retryAfterMs` when it asked to be retried shortly (429/503 with Retry-After) */
  | { kind: 'failed'; retryAfterMs?: number | undefined }
  /** the request cannot go to this candidate (the adapter refused it): remembered in case nothing serves */
  | { kind: 'rejected'; error: GatewayError }
  /** its circuit opened since the plan: not tried */
  | { kind: 'skipped' }
  | { kind: 'client-gone' };

/** What every attempt of one request shares. */
export interface AttemptRun {
  deps: GatewayDeps;
  ledger: RequestLedger;
  health: RouterHealth;
  settings: HealthSettings;
  ctx: RequestContext;
  promptEstimate: number;
  /** performance.now() by which the whole request must be answered */
  deadline: number;
  /** true when the plan had only open circuits: try them anyway */
  allOpen: boolean;
}

export function servedHeaders(target: Target | undefined, attempts: number): Record<string, string> {
  const h: Record<string, string> = { 'x-inferoute-attempts': String(attempts) };
  if (target) h['x-inferoute-provider'] = target.provider.name;
  return h;
}

/** A stream request answered with JSON or HTML (a proxy's error page) is no stream: a provider failure. */
function isEventStream(contentType: string | string[] | undefined): boolean {
  const ct = Array.isArray(contentType) ? contentType[0] : contentType;
  return ct === undefined || ct.toLowerCase().includes('text/event-stream');
}

async function notAStream(res: UpstreamResponse): Promise<Relay> {
  const ct = String(res.headers['content-type']);
  await res.body.text().catch(() => '');
  return { ok: false, error: `the provider answered a stream request with ${ct.slice(0, 60)}, not text/event-stream`, cause: new Error('not a stream') };
}

/** A 200 whose body is an error object (`{"error": …}`) is the provider failing, not an answer. */
function errorInBody(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const e = (payload as { error?: unknown }).error;
  if (!e) return undefined;
  const message = typeof e === 'string' ? e : (e as { message?: unknown }).message;
  return `error in a 200 answer: ${String(message ?? JSON.stringify(e)).slice(0, 200)}`;
}

/** A whole answer that is the client's: the attempt, the usage record and the response. */
function served(run: AttemptRun, target: Target, status: number, attempt: (fields: Partial<AttemptLog>) => number, body: string, reported: Usage | null, native: boolean): AttemptResult {
  const { ledger } = run;
  run.health.succeeded(target, attempt({ status }), false);
  const usage = reported ?? { promptTokens: run.promptEstimate, completionTokens: 0, cachedTokens: 0 };
  ledger.finish({ status: 200, errorCode: null, target, ...usage, usageEstimated: reported === null });
  const headers = servedHeaders(target, ledger.attempts.length);
  headers['content-type'] = 'application/json';
  return { kind: 'served', result: { status: 200, headers, body, native } };
}

export async function tryCandidate(run: AttemptRun, target: Target, isLast: boolean): Promise<AttemptResult> {
  const { deps, ledger, health, settings, ctx } = run;
  const { input } = ledger;
  const attemptStart = performance.now();
  // Measured on the daemon's monotonic clock: what the latency strategy ranks providers by.
  const mono = deps.clock ? deps.clock.mono : () => performance.now();
  const measureStart = mono();
  const attempt = (fields: Partial<AttemptLog>): number => {
    const ms = Math.round(mono() - measureStart);
    ledger.attempts.push({ provider: target.provider.name, model: target.model, ms, ...fields });
    return ms;
  };
  const adapter = adapterFor(target.provider.type);
  // Same protocol on both sides: forward the client's own request, translate nothing.
  const native: NativeAdapter | undefined = input.native && adapter?.native?.speaks(input.native.protocol, target.provider) ? adapter.native : undefined;
  if (!native && (!adapter || !adapter.supports.includes(input.op))) {
    const why = `${target.provider.type} providers do not support ${input.op}`;
    attempt({ error: why });
    return { kind: 'rejected', error: new GatewayError('invalid_request_error', `${target.servedAs}: ${why}`, { param: 'model' }) };
  }
  if (!native && input.untranslatable) {
    // The request holds what this provider's protocol cannot say; a native candidate may still serve it.
    attempt({ error: input.untranslatable.message });
    return { kind: 'rejected', error: input.untranslatable };
  }
  let call: UpstreamCall;
  try {
    call = native ? native.buildRequest(input.native!, target, ctx) : adapter!.buildRequest(input.op, input.body, target, ctx);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    attempt({ error: err.message });
    return { kind: 'rejected', error: err };
  }
  // Another request may have taken the half-open probe since the plan: skip unless nothing is left.
  if (health.admit(target) === 'blocked' && !run.allOpen && !isLast) return { kind: 'skipped' };

  const { timeouts } = target.provider;
  const attemptDeadline = Math.min(run.deadline, attemptStart + timeouts.totalMs);
  const abort = new AbortHandle();
  const onClientAbort = () => abort.abort();
  input.clientSignal?.once('abort', onClientAbort);
  // undici's own timeouts tick at ~0.5 s; the first byte (headers, or a stream's
  // first event) gets a precise timer, cleared as soon as it is there.
  const firstByteMs = Math.min(timeouts.firstByteMs, attemptDeadline - attemptStart);
  const firstByte = setTimeout(abortForFirstByte, firstByteMs, abort);
  const stream = ctx.stream;
  ledger.lastTried = target;
  try {
    const res = await deps.upstream.send(target.provider, call, {
      signal: abort,
      headersTimeoutMs: firstByteMs,
      bodyTimeoutMs: Math.min(timeouts.idleMs, attemptDeadline - attemptStart),
    });
    if (!stream) clearTimeout(firstByte);
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => '');
      const ms = attempt({ status: res.statusCode, error: text.slice(0, 200) || undefined });
      if (isFailoverStatus(res.statusCode)) {
        health.failedStatus(target, res.statusCode, ms, stream, settings); // a 401/403 is also logged and shown in `top`
        return { kind: 'failed', retryAfterMs: retryDelay(res.statusCode, res.headers, isLast, run.deadline - performance.now(), settings) };
      }
      health.answered(target);
      const headers = servedHeaders(target, ledger.attempts.length);
      headers['content-type'] = 'application/json';
      ledger.finish({ status: res.statusCode, errorCode: 'upstream_client_error', target });
      // A native client speaks the provider's protocol: the provider's error envelope is its own.
      if (native) return { kind: 'served', result: { status: res.statusCode, headers, body: text, native: true } };
      const clientError = adapter!.clientError(res.statusCode, text);
      return { kind: 'served', result: { status: clientError.status, headers, body: clientError.body } };
    }

    if (stream) {
      const translator = native ? native.streamTranslator(input.native!, target, ctx) : adapter!.streamTranslator(input.op, target, ctx);
      const relay = isEventStream(res.headers['content-type'])
        ? await openRelay({ deps, ledger, translator, raw: native !== undefined, target, res, abort, promptEstimate: run.promptEstimate, deadlineAt: attemptDeadline, health, settings })
        : await notAStream(res);
      if (!relay.ok) {
        const ms = attempt({ status: res.statusCode, error: relay.error });
        if (input.clientSignal?.aborted) {
          health.released(target);
          return { kind: 'client-gone' };
        }
        health.failedError(target, failureKind(relay.cause), relay.error, ms, true, settings);
        return { kind: 'failed' };
      }
      health.succeeded(target, attempt({ status: res.statusCode }), true);
      const headers = servedHeaders(target, ledger.attempts.length);
      headers['content-type'] = 'text/event-stream; charset=utf-8';
      headers['cache-control'] = 'no-cache';
      return { kind: 'served', result: { status: 200, headers, body: relay.relay, native: native !== undefined } };
    }

    const text = await res.body.text();
    // Most answers need no parse: their text passes on as it came, their usage read by a scan.
    const scanned = native ? native.scanResponse?.(input.native!, text, target) : adapter!.scanResponse?.(input.op, text, target);
    if (scanned) return served(run, target, res.statusCode, attempt, scanned.text, scanned.usage, native !== undefined);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (err) {
      const ms = attempt({ status: res.statusCode, error: 'malformed JSON from provider' });
      health.failedError(target, failureKind(err), 'malformed JSON', ms, false, settings);
      return { kind: 'failed' };
    }
    const bodyError = errorInBody(payload);
    if (bodyError) {
      const ms = attempt({ status: res.statusCode, error: bodyError });
      health.failedError(target, failureKind(null), bodyError, ms, false, settings);
      return { kind: 'failed' };
    }
    const out = native ? native.parseResponse(input.native!, payload, target, text) : adapter!.parseResponse(input.op, payload, target, ctx, text);
    return served(run, target, res.statusCode, attempt, out.text ?? JSON.stringify(out.body), out.usage, native !== undefined);
  } catch (err) {
    const why = describeUpstreamError(err);
    const ms = attempt({ error: why });
    if (input.clientSignal?.aborted) {
      health.released(target);
      return { kind: 'client-gone' };
    }
    health.failedError(target, failureKind(err), why, ms, stream, settings);
    return { kind: 'failed' };
  } finally {
    clearTimeout(firstByte);
    input.clientSignal?.removeListener('abort', onClientAbort);
  }
}

