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
