import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HonoRequest } from 'hono';
import type { ActiveKey } from '../keys/cache.js';
import type { Logger } from '../util/log.js';
import type { BodyLimits } from './body-budget.js';

/** What middleware leaves on the Hono context for later steps. */
export interface AppEnv {
  Variables: {
    requestId: string;
    startedAt: number;
    key: ActiveKey;
    /** the response already carries the request-context headers */
    contextHeadersSet: boolean;
    /** the daemon's logger, for notes that steps below the routes make (e.g. body.ts) */
    log: Logger;
    /** the daemon-wide body budget and the body timeout (body.ts) */
    bodyLimits: BodyLimits;
  };
}

type Vars = AppEnv['Variables'];

/** The Node request and response behind a request, when it came through node:http (not `app.request()` in tests). */
export interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

/**
 * What a proxy route uses of its request: the variables above, the Node request and
 * response when there are any (`env`), and else the web request (`req`). Hono's Context
 * is one; the hot path's NodeExchange (hot.ts) is the other, with no Hono underneath.
 */
export interface Exchange {
  readonly env: unknown;
  readonly req?: Pick<HonoRequest, 'header' | 'arrayBuffer' | 'raw'>;
  get<K extends keyof Vars>(key: K): Vars[K];
  set<K extends keyof Vars>(key: K, value: Vars[K]): void;
}

export function nodeBindings(c: Exchange): NodeBindings | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  return env?.outgoing && env.incoming ? (env as NodeBindings) : undefined;
}

/** A request on the hot path (hot.ts): the variables the Hono middleware would have set, as fields. */
export class NodeExchange implements Exchange {
  contextHeadersSet = false;
  requestId = '';
  /** set once the key authenticated, before any route sees the exchange */
  key!: ActiveKey;
  constructor(
    readonly env: NodeBindings,
    public startedAt: number,
    public log: Logger,
    public bodyLimits: BodyLimits,
  ) {}
  get<K extends keyof Vars>(key: K): Vars[K] {
    return this[key] as Vars[K];
  }
  set<K extends keyof Vars>(key: K, value: Vars[K]): void {
    (this as Vars)[key] = value;
  }
}
