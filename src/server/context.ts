import type { ActiveKey } from '../keys/cache.js';

/** What middleware leaves on the Hono context for later steps. */
export interface AppEnv {
  Variables: {
    requestId: string;
    startedAt: number;
    key: ActiveKey;
    /** the response already carries the request-context headers */
    contextHeadersSet: boolean;
  };
}
