/**
 * The request pipeline, top to bottom: plan candidates → admit against the key's limits
 * → try candidates one attempt at a time (attempt.ts: adapter.buildRequest or native
 * passthrough → upstream.send → the answer in the client's or the middle shape) → one
 * usage record and one metrics event. Auth and body parsing happened before (server/).
 */
import { asGatewayError, GatewayError } from '../errors.js';
import type { Plan } from '../router/plan.js';
import type { RequestContext, Target } from '../providers/types.js';
import { servedHeaders, tryCandidate, type AttemptRun } from './attempt.js';
import { allFailedError, pause, planOrRefuse, withHeaders } from './failure.js';
import { RequestLedger, type GatewayDeps, type ProxyInput, type ProxyResult } from './ledger.js';
import { admitRequest, withOutputCapHeader } from './limits.js';
import { estimatePromptTokens, expectedCompletionTokens } from './tokens.js';

export { isFailoverStatus } from './attempt.js';
export { RequestLedger, type GatewayDeps, type Outcome, type ProxyInput, type ProxyResult } from './ledger.js';

export async function proxyRequest(deps: GatewayDeps, input: ProxyInput): Promise<ProxyResult> {
  const ledger = new RequestLedger(deps, input);
  try {
    return withOutputCapHeader(await routeRequest(deps, input, ledger), ledger.admission);
  } catch (err) {
    // Whatever went wrong, the request leaves its one record and releases its budget reservation
    // (finish is a no-op when a known failure already wrote it).
    const e = asGatewayError(err);
    ledger.finish({ status: e.status, errorCode: e.code });
    throw err;
  }
}

/** A refusal before any provider was tried: recorded, with the routing headers. */
function refuse(ledger: RequestLedger, err: unknown): never {
  if (!(err instanceof GatewayError)) throw err;
  ledger.finish({ status: err.status, errorCode: err.code });
  throw withHeaders(err, servedHeaders(undefined, ledger.attempts.length));
}

async function routeRequest(deps: GatewayDeps, input: ProxyInput, ledger: RequestLedger): Promise<ProxyResult> {
  const { op, body } = input;
  const catalog = deps.catalog();
  const health = deps.router;
  const stream = body.stream === true && op !== 'embeddings';
  const promptEstimate = estimatePromptTokens(op, body);
  let plan: Plan;
  try {
    const fallbackHeader = input.fallbackHeader?.split(',').map((s) => s.trim()).filter(Boolean);
    const estimate = { promptTokens: promptEstimate, completionTokens: expectedCompletionTokens(op, body, null) };
    plan = planOrRefuse(catalog, { model: body.model, strategyHeader: input.strategyHeader, fallbackHeader, allowed: input.key.allowsModel, estimate, stream }, health);
    ledger.plan = plan;
    ledger.admission = admitRequest(deps.limits, input, plan.candidates, promptEstimate);
  } catch (err) {
    // An unroutable request still counts against the key's rpm (guessing model names is not free).
    if (err instanceof GatewayError && !ledger.plan) {
      try {
        ledger.admission = admitRequest(deps.limits, input, [], promptEstimate);
      } catch (limited) {
        refuse(ledger, limited);
      }
    }
    refuse(ledger, err);
  }

  const so = body.stream_options as { include_usage?: unknown } | undefined;
  const ctx: RequestContext = {
    requestId: input.requestId,
    stream,
    clientWantsUsage: so?.include_usage === true,
    created: Math.floor(Date.now() / 1000),
  };
  const run: AttemptRun = {
    deps,
    ledger,
    health,
    settings: catalog.health,
    ctx,
    promptEstimate,
    deadline: input.startedAt + catalog.health.totalMs,
    allOpen: plan.allOpen,
  };
  const { candidates } = plan;
  const skipped: Target[] = plan.skipped.slice();
  let rejected: GatewayError | undefined;
  let retried = false;
  let deadlineExceeded = false;

  for (let i = 0; i < candidates.length && !input.clientSignal?.aborted; ) {
    if (performance.now() >= run.deadline) {
      deadlineExceeded = true;
      break;
    }
    const target = candidates[i]!;
    const result = await tryCandidate(run, target, i === candidates.length - 1);
    if (result.kind === 'served') return result.result;
    if (result.kind === 'client-gone') break;
    if (result.kind === 'rejected') rejected ??= result.error;
    if (result.kind === 'skipped') skipped.push(target);
    // One same-candidate retry per request, when a provider asked for it with Retry-After.
    if (result.kind === 'failed' && result.retryAfterMs !== undefined && !retried) {
      retried = true;
      if (await pause(result.retryAfterMs, input.clientSignal)) continue;
    }
    i++;
  }

  const lastTried = ledger.lastTried;
  if (input.clientSignal?.aborted) {
    ledger.finish({ status: 499, errorCode: 'client_closed_request', target: lastTried });
    throw new GatewayError('invalid_request_error', 'client closed the request', { status: 499 });
  }
  if (rejected && !lastTried) refuse(ledger, rejected);
  if (!deadlineExceeded && performance.now() >= run.deadline) deadlineExceeded = true;
  const err = allFailedError(body.model, ledger.attempts, skipped, deadlineExceeded, servedHeaders(lastTried, ledger.attempts.length));
  ledger.finish({ status: err.status, errorCode: err.code, target: lastTried });
  throw err;
}
