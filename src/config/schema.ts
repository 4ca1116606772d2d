import { z } from 'zod';
import { normalizeOrigin } from '../util/origin.js';

export const STRATEGIES = ['cost', 'latency', 'availability', 'round-robin'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const PROVIDER_TYPES = ['openai', 'openai-compatible', 'anthropic', 'gemini'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const nameRe = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const providerName = z.string().regex(nameRe, 'letters, digits, ".", "_" and "-" only, no "/"');

/**
 * Output tokens a budget assumes (and forwards as the limit) for a request without one, to
 * a model whose config gives no max_output.
 */
export const DEFAULT_OUTPUT_CAP = 4096;

/** Prices are USD per million tokens, as providers publish them. */
export const modelSchema = z
  .object({
    input: z.number().nonnegative().optional(),
    output: z.number().nonnegative().optional(),
    cached_input: z.number().nonnegative().optional(),
    /** writing to the prompt cache (Anthropic: 1.25× input for the 5-minute TTL) */
    cache_write: z.number().nonnegative().optional(),
    /** writing to the prompt cache with Anthropic's 1-hour TTL (2× input) */
    cache_write_1h: z.number().nonnegative().optional(),
    context: z.number().int().positive().optional(),
    max_output: z.number().int().positive().optional(),
    capabilities: z.array(z.enum(['chat', 'completions', 'embeddings', 'tools', 'vision', 'json'])).optional(),
    /** the id the provider knows the model by, when it differs from the key */
    upstream_id: z.string().min(1).optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof modelSchema>;

const timeoutsSchema = z
  .object({
    connect_ms: z.number().int().positive().optional(),
    first_byte_ms: z.number().int().positive().optional(),
    idle_ms: z.number().int().positive().optional(),
    total_ms: z.number().int().positive().optional(),
  })
  .strict();

export const providerSchema = z
  .object({
    type: z.enum(PROVIDER_TYPES),
    base_url: z.string().url().optional(),
    api_key: z.string().optional(),
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeouts: timeoutsSchema.optional(),
    /** round-robin weight */
    weight: z.number().positive().optional(),
    /** ask an OpenAI-compatible server for a usage chunk in streams (stream_options); off for servers that reject the field */
    stream_usage: z.boolean().optional(),
    /** an openai-compatible server that serves /responses itself: Responses requests go to it natively */
    responses: z.boolean().optional(),
    enabled: z.boolean().optional(),
    models: z.record(z.string().min(1), modelSchema.nullable()).default({}),
  })
  .strict();
export type ProviderConfig = z.infer<typeof providerSchema>;

export const routeSchema = z
  .object({
    strategy: z.enum(STRATEGIES).optional(),
    targets: z.array(z.string().min(1)).min(1),
    fallback: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeSchema>;

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        max_body_mb: z.number().positive().optional(),
        /** request-body MiB held at once over all requests (default 64, never below max_body_mb); past it, 503 */
        max_buffered_mb: z.number().positive().optional(),
        /** a request body must arrive within this many ms (default 30000) */
        body_timeout_ms: z.number().int().positive().optional(),
        /** the most MiB of one non-streamed provider answer held in memory (default 64); past it the attempt fails over */
        max_response_mb: z.number().positive().optional(),
        /** extra Host header names accepted besides loopback names */
        allowed_hosts: z.array(z.string().min(1)).optional(),
        /** browser origins (scheme://host[:port]) that may call TokenHub, with CORS; any other Origin is refused */
        cors_origins: z
          .array(
            z.string().refine((o) => normalizeOrigin(o) !== undefined, {
              message: 'expected an origin like http://localhost:3000 (scheme://host[:port]; never * or null)',
            }),
          )
          .optional(),
        shutdown_grace_ms: z.number().int().nonnegative().optional(),
      })
      .strict()
      .default({}),
    routing: z
      .object({
        strategy: z.enum(STRATEGIES).default('cost'),
        fallback: z.array(z.string().min(1)).optional(),
        /** one deadline for a whole request, failovers and retries included */
        total_ms: z.number().int().positive().optional(),
        /** longest Retry-After the gateway waits out to retry the last candidate */
        retry_after_cap_ms: z.number().int().nonnegative().optional(),
        circuit: z
          .object({
            /** consecutive failures that open a provider's (or provider+model's) circuit */
            failures: z.number().int().positive().optional(),
            cooldown_ms: z.number().int().positive().optional(),
            max_cooldown_ms: z.number().int().positive().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ strategy: 'cost' }),
    providers: z.record(providerName, providerSchema).default({}),
    routes: z.record(z.string().min(1), routeSchema).default({}),
    /** the Responses API store (previous_response_id, GET /v1/responses/{id}) */
    responses: z.object({ retention_days: z.number().positive().optional() }).strict().optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configSchema>;
