/**
 * The request pipeline, top to bottom: plan candidates → for each: adapter.buildRequest
 * → upstream.send → adapter turns the answer into OpenAI shape → the client; then one
 * usage record and one metrics event. Auth and body parsing happened before (server/).
 */
import { asGatewayError, GatewayError } from '../errors.js';
import { adapterFor } from '../providers/registry.js';
import type { RequestContext, Target } from '../providers/types.js';
import { allFailedError, pause, retryDelay, withHeaders } from '../router/failover.js';
import { RouterHealth } from '../router/health.js';
import { planCandidates, type Plan } from '../router/plan.js';

export { RequestLedger, type GatewayDeps, type Outcome, type ProxyInput, type ProxyResult } from './ledger.js';
import type { AttemptLog } from '../store/usage.js';
import { abortForFirstByte, describeUpstreamError, type UpstreamResponse } from '../upstream/client.js';
import { admitRequest } from './limits.js';
import { RequestLedger, type GatewayDeps, type ProxyInput, type ProxyResult } from './ledger.js';
import { openRelay, type Relay } from './stream.js';
import { AbortHandle } from '../upstream/abort.js';
import { estimatePromptTokens, expectedCompletionTokens } from './tokens.js';

/** Provider statuses that say "try elsewhere" rather than "your request is wrong". */
export function isFailoverStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}

function servedHeaders(target: Target | undefined, attempts: number): Record<string, string> {
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

export async function proxyRequest(deps: GatewayDeps, input: ProxyInput): Promise<ProxyResult> {
  const ledger = new RequestLedger(deps, input);
  try {
    return await routeRequest(deps, input, ledger);
  } catch (err) {
    // Whatever went wrong, the request leaves its one record and releases its budget reservation
    // (finish is a no-op when a known failure already wrote it).
    const e = asGatewayError(err);
    ledger.finish({ status: e.status, errorCode: e.code });
    throw err;
  }
}

async function routeRequest(deps: GatewayDeps, input: ProxyInput, ledger: RequestLedger): Promise<ProxyResult> {
  const { op, body } = input;
  const catalog = deps.catalog();
  const health = (deps.router ??= new RouterHealth(deps.metrics, deps.log));
  const settings = catalog.health;
  const stream = body.stream === true && op !== 'embeddings';
  const promptEstimate = estimatePromptTokens(op, body);
  let plan: Plan;
  try {
    const fallbackHeader = input.fallbackHeader?.split(',').map((s) => s.trim()).filter(Boolean);
    const estimate = { promptTokens: promptEstimate, completionTokens: expectedCompletionTokens(op, body, null) };
    const { strategyHeader } = input;
    plan = planCandidates(catalog, { model: body.model, strategyHeader, fallbackHeader, allowed: input.key.allowsModel, estimate, stream }, health);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    // An unroutable request still counts against the key's rpm (guessing model names is not free).
    ledger.admission = admitRequest(deps.limits, input, [], promptEstimate);
    ledger.finish({ status: err.status, errorCode: err.code });
    throw withHeaders(err, servedHeaders(undefined, 0));
  }
  ledger.plan = plan;
  try {
    ledger.admission = admitRequest(deps.limits, input, plan.candidates, promptEstimate);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    ledger.finish({ status: err.status, errorCode: err.code });
    throw withHeaders(err, servedHeaders(undefined, 0));
  }

  const so = body.stream_options as { include_usage?: unknown } | undefined;
  const ctx: RequestContext = {
    requestId: input.requestId,
    stream,
    clientWantsUsage: so?.include_usage === true,
    created: Math.floor(Date.now() / 1000),
  };
  const deadline = input.startedAt + settings.totalMs;
  const candidates = plan.candidates;
  const skipped = plan.skipped.slice();
  let rejected: GatewayError | undefined;
  let lastTried: Target | undefined;
  let retried = false;
  let deadlineExceeded = false;

  for (let i = 0; i < candidates.length; i++) {
    const target = candidates[i]!;
    if (input.clientSignal?.aborted) break;
    const attemptStart = performance.now();
    const msLeft = deadline - attemptStart;
    if (msLeft <= 0) {
      deadlineExceeded = true;
      break;
    }
    const attempt = (fields: Partial<AttemptLog>): number => {
      const ms = Math.round(performance.now() - attemptStart);
      ledger.attempts.push({ provider: target.provider.name, model: target.model, ms, ...fields });
      return ms;
    };
    const adapter = adapterFor(target.provider.type);
    // Same protocol on both sides: forward the client's own request, translate nothing.
    const native = input.native && adapter?.native?.speaks(input.native.protocol, target.provider) ? adapter.native : undefined;
    if (!native && (!adapter || !adapter.supports.includes(op))) {
      const why = `${target.provider.type} providers do not support ${op}`;
      rejected ??= new GatewayError('invalid_request_error', `${target.servedAs}: ${why}`, { param: 'model' });
      attempt({ error: why });
      continue;
    }
    let call;
    try {
      call = native ? native.buildRequest(input.native!, target, ctx) : adapter!.buildRequest(op, body, target, ctx);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      rejected ??= err;
      attempt({ error: err.message });
      continue;
    }
    // Another request may have taken the half-open probe since the plan: skip unless nothing is left.
    if (health.admit(target) === 'blocked' && !plan.allOpen && i < candidates.length - 1) {
      skipped.push(target);
      continue;
    }
    lastTried = target;
    const { timeouts } = target.provider;
    const attemptDeadline = Math.min(deadline, attemptStart + timeouts.totalMs);
    const abort = new AbortHandle();
    const onClientAbort = () => abort.abort();
    input.clientSignal?.once('abort', onClientAbort);
    // undici's own timeouts tick at ~0.5 s; the first byte (headers, or a stream's
    // first event) gets a precise timer, cleared as soon as it is there.
    const firstByteMs = Math.min(timeouts.firstByteMs, attemptDeadline - attemptStart);
    const firstByte = setTimeout(abortForFirstByte, firstByteMs, abort);
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
          const wait = retryDelay(res.statusCode, res.headers, i === candidates.length - 1, deadline - performance.now(), settings);
          if (wait !== undefined && !retried) {
            retried = true;
            if (await pause(wait, input.clientSignal)) i--; // the same candidate once more
          }
          continue;
        }
        health.answered(target);
        if (native) {
          // the client speaks the provider's protocol: its error envelope is the client's too
          ledger.finish({ status: res.statusCode, errorCode: 'upstream_client_error', target });
          const headers = servedHeaders(target, ledger.attempts.length);
          headers['content-type'] = 'application/json';
          return { status: res.statusCode, headers, body: text, native: true };
        }
        const clientError = adapter!.clientError(res.statusCode, text);
        ledger.finish({ status: clientError.status, errorCode: 'upstream_client_error', target });
        return { status: clientError.status, headers: servedHeaders(target, ledger.attempts.length), body: clientError.body };
      }

      if (stream) {
        const translator = native ? native.streamTranslator(input.native!, target, ctx) : adapter!.streamTranslator(op, target, ctx);
        const relay = isEventStream(res.headers['content-type'])
          ? await openRelay({ deps, ledger, translator, raw: native !== undefined, target, res, abort, promptEstimate, deadlineAt: attemptDeadline, health, settings })
          : await notAStream(res);
        if (!relay.ok) {
          const ms = attempt({ status: res.statusCode, error: relay.error });
          if (input.clientSignal?.aborted) {
            health.released(target);
            break;
          }
          health.failedError(target, relay.cause, relay.error, ms, true, settings);
          continue;
        }
        health.succeeded(target, attempt({ status: res.statusCode }), true);
        const headers = servedHeaders(target, ledger.attempts.length);
        headers['content-type'] = 'text/event-stream; charset=utf-8';
        headers['cache-control'] = 'no-cache';
        return { status: 200, headers, body: relay.relay, native: native !== undefined };
      }

      const text = await res.body.text();
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch (err) {
        const ms = attempt({ status: res.statusCode, error: 'malformed JSON from provider' });
        health.failedError(target, err, 'malformed JSON', ms, false, settings);
        continue;
      }
      const out = native ? native.parseResponse(input.native!, payload, target, text) : adapter!.parseResponse(op, payload, target, ctx, text);
      health.succeeded(target, attempt({ status: res.statusCode }), false);
      const usage = out.usage ?? { promptTokens: promptEstimate, completionTokens: 0, cachedTokens: 0 };
      ledger.finish({ status: 200, errorCode: null, target, ...usage, usageEstimated: out.usage === null });
      const headers = servedHeaders(target, ledger.attempts.length);
      headers['content-type'] = 'application/json';
      return { status: 200, headers, body: out.text ?? JSON.stringify(out.body), native: native !== undefined };
    } catch (err) {
      const why = describeUpstreamError(err);
      const ms = attempt({ error: why });
      if (input.clientSignal?.aborted) {
        health.released(target);
        break;
      }
      health.failedError(target, err, why, ms, stream, settings);
    } finally {
      clearTimeout(firstByte);
      input.clientSignal?.removeListener('abort', onClientAbort);
    }
  }

  if (input.clientSignal?.aborted) {
    ledger.finish({ status: 499, errorCode: 'client_closed_request', target: lastTried });
    throw new GatewayError('invalid_request_error', 'client closed the request', { status: 499 });
  }
  if (rejected && !lastTried) {
    ledger.finish({ status: rejected.status, errorCode: rejected.code });
    throw withHeaders(rejected, servedHeaders(undefined, ledger.attempts.length));
  }
  if (!deadlineExceeded && performance.now() >= deadline) deadlineExceeded = true;
  const err = allFailedError(body.model, ledger.attempts, skipped, deadlineExceeded, servedHeaders(lastTried, ledger.attempts.length));
  ledger.finish({ status: err.status, errorCode: err.code, target: lastTried });
  throw err;
}
