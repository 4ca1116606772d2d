import type { Migration } from './index.js';

/**
 * Cache writes and reasoning tokens, each priced or reported on its own: Anthropic
 * bills cache creation above the input price, and reasoning is output nobody sees.
 * `cached_tokens` keeps its name and meaning (cache reads).
 */
export const usageCacheReasoning: Migration = {
  version: 30,
  name: 'usage-cache-write-reasoning',
  up: `
    ALTER TABLE usage ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE usage ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
  `,
};
