import type { RawCounters } from './aggregate.js';
import { circuitLevel } from './circuits.js';
import { BUCKET_BOUNDS_MS, type LogHistogram } from './histogram.js';
import type { MetricsSnapshot } from './snapshot.js';

/** The `le` bounds exported, in ms; each is one of the aggregator's bucket bounds. */
const EXPORTED_LE_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 150_000, 300_000];

type Labels = Record<string, string>;

/**
 * Prometheus text exposition (format 0.0.4) of the daemon's metrics. Pure: the snapshot
 * gives gauges, the raw counters give what Prometheus needs cumulative.
 */
export function formatPrometheus(snap: MetricsSnapshot, raw: RawCounters): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Labels, value: number) => {
    out.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  };

  family('tokenhub_requests_total', 'counter', 'Requests that reached routing, by final provider, model and HTTP status.');
  for (const p of raw.pairs) {
    for (const [status, n] of [...p.statuses].sort((a, b) => a[0] - b[0])) {
      sample('tokenhub_requests_total', { provider: p.provider, model: p.model, status: String(status) }, n);
    }
  }

  family('tokenhub_tokens_total', 'counter', 'Tokens by provider, model and type (prompt, completion, cached = cache reads, cache_write, reasoning).');
  for (const p of raw.pairs) {
    sample('tokenhub_tokens_total', { provider: p.provider, model: p.model, type: 'prompt' }, p.prompt);
    sample('tokenhub_tokens_total', { provider: p.provider, model: p.model, type: 'completion' }, p.completion);
    sample('tokenhub_tokens_total', { provider: p.provider, model: p.model, type: 'cached' }, p.cached);
    sample('tokenhub_tokens_total', { provider: p.provider, model: p.model, type: 'cache_write' }, p.cacheWrite);
    sample('tokenhub_tokens_total', { provider: p.provider, model: p.model, type: 'reasoning' }, p.reasoning);
  }

  family('tokenhub_cost_usd_total', 'counter', 'Cost in USD of served requests with a known price.');
  for (const p of raw.pairs) sample('tokenhub_cost_usd_total', { provider: p.provider, model: p.model }, round(p.costUsd));

  family('tokenhub_request_duration_seconds', 'histogram', 'End-to-end request latency by final provider.');
  for (const h of raw.histograms) histogram(out, 'tokenhub_request_duration_seconds', { provider: h.provider }, h.latency);

  family('tokenhub_time_to_first_byte_seconds', 'histogram', 'Time to the first byte from the provider.');
  for (const h of raw.histograms) histogram(out, 'tokenhub_time_to_first_byte_seconds', { provider: h.provider }, h.ttfb);

  family('tokenhub_failed_attempts_total', 'counter', 'Attempts on a provider that failed and were retried elsewhere.');
  for (const p of snap.providers) sample('tokenhub_failed_attempts_total', { provider: p.name }, p.failedAttempts);

  family('tokenhub_circuit_state', 'gauge', 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open.');
  for (const p of snap.providers) sample('tokenhub_circuit_state', { provider: p.name }, circuitLevel(p.circuit));

  family('tokenhub_spend_today_usd', 'gauge', 'Spend in USD since midnight UTC.');
  sample('tokenhub_spend_today_usd', {}, snap.spendTodayUsd);

  family('tokenhub_uptime_seconds', 'gauge', 'Seconds since the daemon started.');
  sample('tokenhub_uptime_seconds', {}, snap.uptimeMs / 1000);

  return out.join('\n') + '\n';
}

function histogram(out: string[], name: string, labels: Labels, h: LogHistogram): void {
  let cumulative = 0;
  let boundIdx = 0;
  for (const leMs of EXPORTED_LE_MS) {
    while (boundIdx < BUCKET_BOUNDS_MS.length && BUCKET_BOUNDS_MS[boundIdx]! <= leMs) {
      cumulative += h.counts[boundIdx]!;
      boundIdx++;
    }
    out.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(leMs / 1000) })} ${cumulative}`);
  }
  out.push(`${name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${h.count}`);
  out.push(`${name}_sum${formatLabels(labels)} ${formatValue(round(h.sum / 1000))}`);
  out.push(`${name}_count${formatLabels(labels)} ${h.count}`);
}

export function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function round(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}
