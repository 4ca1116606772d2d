import type { MetricsBus, ProviderEvent, RequestEvent } from './bus.js';
import { ALWAYS_CLOSED, AuthFailures, type CircuitSource } from './circuits.js';
import { GroupAccumulator, round } from './group.js';
import type { LogHistogram } from './histogram.js';
import type { KeyStats, MetricsSnapshot, ProviderStats, RecentRequest } from './snapshot.js';
import { RecentRing, SampleRing } from './window.js';

export interface AggregatorOptions {
  now?: () => number;
  /** latency percentiles cover this window to twice it; default 5 minutes */
  latencyWindowMs?: number;
  /** how many finished requests `recent` keeps; default 50 */
  recentSize?: number;
  /** per dimension; further models/keys are counted under "(other)" so memory stays bounded */
  maxGroups?: number;
  /** spend already recorded today (UTC), e.g. from the usage table, so a restart keeps it */
  spendTodayUsd?: number;
  /** providers from config, listed even before they serve anything */
  providers?: string[];
  /** asked on every snapshot, so providers added by a config reload show up at once */
  knownProviders?: () => Iterable<string>;
  /** the router's circuit per provider, read on every snapshot (default: all closed) */
  circuits?: CircuitSource;
}

/** Cumulative counters per provider+model, for Prometheus. */
export interface PairCounters {
  provider: string;
  model: string;
  /** HTTP status → requests */
  statuses: Map<number, number>;
  prompt: number;
  completion: number;
  cached: number;
  cacheWrite: number;
  reasoning: number;
  costUsd: number;
}

export interface RawCounters {
  pairs: PairCounters[];
  /** since-start histograms per provider (ms buckets from BUCKET_BOUNDS_MS) */
  histograms: { provider: string; latency: LogHistogram; ttfb: LogHistogram }[];
}

const NONE = '(none)';
const OTHER = '(other)';
const SPARK_SAMPLES = 40;
const DAY_MS = 86_400_000;

interface ProviderExtra {
  failedAttempts: number;
  samples: SampleRing;
}

/**
 * Rolling in-memory metrics fed by the MetricsBus. Recording is O(1) per event (plus the
 * attempts of a failed-over request); reading builds a plain snapshot.
 */
export class MetricsAggregator {
  private readonly now: () => number;
  private readonly latencyWindowMs: number;
  private readonly maxGroups: number;
  private readonly startedAt: number;
  private readonly totals: GroupAccumulator;
  private readonly providers = new Map<string, GroupAccumulator>();
  private readonly providerExtra = new Map<string, ProviderExtra>();
  private readonly models = new Map<string, GroupAccumulator>();
  private readonly keys = new Map<string, GroupAccumulator>();
  private readonly keyNames = new Map<string, string | null>();
  private readonly pairs = new Map<string, Map<string, PairCounters>>();
  private readonly authFailures = new AuthFailures();
  private readonly circuits: CircuitSource;
  private readonly recent: RecentRing<RequestEvent>;
  private readonly knownProviders: (() => Iterable<string>) | undefined;
  private day: number;
  private spendToday: number;

  constructor(opts: AggregatorOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.latencyWindowMs = opts.latencyWindowMs ?? 300_000;
    this.maxGroups = opts.maxGroups ?? 200;
    this.startedAt = this.now();
    this.totals = new GroupAccumulator('all', this.startedAt, { latencyWindowMs: this.latencyWindowMs, lifetime: false });
    this.recent = new RecentRing(opts.recentSize ?? 50);
    this.day = Math.floor(this.startedAt / DAY_MS);
    this.spendToday = opts.spendTodayUsd ?? 0;
    this.knownProviders = opts.knownProviders;
    this.circuits = opts.circuits ?? ALWAYS_CLOSED;
    this.declareProviders(opts.providers ?? []);
  }

  /** Subscribes to a bus; returns the function that unsubscribes. */
  attach(bus: MetricsBus): () => void {
    const offRequest = bus.onRequest((ev) => this.recordRequest(ev));
    const offProvider = bus.onProvider((ev) => this.recordProvider(ev));
    return () => {
      offRequest();
      offProvider();
    };
  }

  declareProviders(names: Iterable<string>): void {
    for (const name of names) this.providerGroup(name);
  }

  recordRequest(ev: RequestEvent): void {
    const now = this.now();
    this.totals.record(ev, now);
    const provider = ev.provider ?? NONE;
    const model = ev.servedModel ?? ev.requestedModel ?? NONE;
    this.providerGroup(provider).record(ev, now);
    this.providerExtra.get(provider)!.samples.push(ev.latencyMs);
    this.group(this.models, model).record(ev, now);
    const keyId = ev.keyId ?? NONE;
    const keyGroup = this.group(this.keys, keyId);
    keyGroup.record(ev, now);
    if (keyGroup.name === keyId) this.keyNames.set(keyId, ev.keyName);
    this.countPair(provider, model, ev);
    // Every attempt but the last failed over to another candidate; charge it to its provider.
    for (let i = 0; i < ev.attempts.length - 1; i++) {
      const a = ev.attempts[i]!;
      this.providerGroup(a.provider);
      this.providerExtra.get(a.provider)!.failedAttempts++;
    }
    if (ev.status < 400 && ev.provider) this.authFailures.served(ev.provider);
    this.rollDay(now);
    if (ev.costUsd !== null) this.spendToday += ev.costUsd;
    this.recent.push(ev);
  }

  recordProvider(ev: ProviderEvent): void {
    this.providerGroup(ev.provider);
    this.authFailures.apply(ev);
  }

  snapshot(): MetricsSnapshot {
    const now = this.now();
    this.rollDay(now);
    if (this.knownProviders) this.declareProviders(this.knownProviders());
    const all = this.totals.requests;
    const providers: ProviderStats[] = [...this.providers.values()].map((g) => {
      const extra = this.providerExtra.get(g.name)!;
      return {
        ...g.stats(now, all),
        ...circuitFields(this.circuits(g.name)),
        authFailed: this.authFailures.has(g.name),
        failedAttempts: extra.failedAttempts,
        recentLatencyMs: extra.samples.values(),
      };
    });
    const keys: KeyStats[] = [...this.keys.values()].map((g) => ({
      ...g.stats(now, all),
      keyId: g.name === NONE || g.name === OTHER ? null : g.name,
      keyName: this.keyNames.get(g.name) ?? null,
    }));
    return {
      schema: 1,
      generatedAt: now,
      startedAt: this.startedAt,
      uptimeMs: now - this.startedAt,
      latencyWindowMs: this.latencyWindowMs,
      day: new Date(this.day * DAY_MS).toISOString().slice(0, 10),
      spendTodayUsd: round(this.spendToday, 6),
      totals: this.totals.stats(now, all),
      rpsSeries: this.totals.rate.series(now, 60_000, 1000),
      providers: providers.sort(byTraffic),
      models: [...this.models.values()].map((g) => g.stats(now, all)).sort(byTraffic),
      keys: keys.sort(byTraffic),
      recent: this.recent.newestFirst().map(toRecent),
    };
  }

  rawCounters(): RawCounters {
    const pairs: PairCounters[] = [];
    for (const byModel of this.pairs.values()) pairs.push(...byModel.values());
    const histograms = [...this.providers.values()].map((g) => ({
      provider: g.name,
      latency: g.lifetimeLatency!,
      ttfb: g.lifetimeTtfb!,
    }));
    return { pairs, histograms };
  }

  private providerGroup(name: string): GroupAccumulator {
    let g = this.providers.get(name);
    if (!g) {
      // Providers come from config, so their number is bounded already.
      g = new GroupAccumulator(name, this.now(), { latencyWindowMs: this.latencyWindowMs, lifetime: true });
      this.providers.set(name, g);
      this.providerExtra.set(name, { failedAttempts: 0, samples: new SampleRing(SPARK_SAMPLES) });
    }
    return g;
  }

  private group(map: Map<string, GroupAccumulator>, name: string): GroupAccumulator {
    let g = map.get(name);
    if (g) return g;
    if (map.size >= this.maxGroups) name = OTHER;
    g = map.get(name);
    if (!g) {
      g = new GroupAccumulator(name, this.now(), { latencyWindowMs: this.latencyWindowMs, lifetime: false });
      map.set(name, g);
    }
    return g;
  }

  private countPair(provider: string, model: string, ev: RequestEvent): void {
    let byModel = this.pairs.get(provider);
    if (!byModel) {
      byModel = new Map();
      this.pairs.set(provider, byModel);
    }
    let cell = byModel.get(model);
    if (!cell) {
      if (byModel.size >= this.maxGroups) model = OTHER;
      cell = byModel.get(model);
      if (!cell) {
        cell = { provider, model, statuses: new Map(), prompt: 0, completion: 0, cached: 0, cacheWrite: 0, reasoning: 0, costUsd: 0 };
        byModel.set(model, cell);
      }
    }
    cell.statuses.set(ev.status, (cell.statuses.get(ev.status) ?? 0) + 1);
    cell.prompt += ev.promptTokens;
    cell.completion += ev.completionTokens;
    cell.cached += ev.cachedTokens;
    cell.cacheWrite += ev.cacheWriteTokens ?? 0;
    cell.reasoning += ev.reasoningTokens ?? 0;
    if (ev.costUsd !== null) cell.costUsd += ev.costUsd;
  }

  private rollDay(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.spendToday = 0;
    }
  }
}

function byTraffic(a: { requests: number; name: string }, b: { requests: number; name: string }): number {
  return b.requests - a.requests || a.name.localeCompare(b.name);
}

function toRecent(ev: RequestEvent): RecentRequest {
  return {
    requestId: ev.requestId,
    ts: ev.ts,
    keyId: ev.keyId,
    keyName: ev.keyName,
    requestedModel: ev.requestedModel,
    provider: ev.provider,
    servedModel: ev.servedModel,
    status: ev.status,
    errorCode: ev.errorCode,
    stream: ev.stream,
    attempts: ev.attempts.length,
    latencyMs: ev.latencyMs,
    ttfbMs: ev.ttfbMs,
    promptTokens: ev.promptTokens,
    completionTokens: ev.completionTokens,
    costUsd: ev.costUsd,
  };
}

function circuitFields(c: ReturnType<CircuitSource>): { circuit: ReturnType<CircuitSource>['circuit']; circuitSince: number | null } {
  return { circuit: c.circuit, circuitSince: c.since };
}
