/**
 * The gateway's error family. Every error a client can see has a stable `code`
 * (SPEC section 3) and maps to one OpenAI error envelope, or mid-stream to one
 * SSE `data: {"error": …}` frame.
 */

export type ErrorCode =
  | 'invalid_request_error'
  | 'invalid_api_key'
  | 'insufficient_quota'
  | 'model_not_allowed'
  | 'ip_not_allowed'
  | 'model_not_found'
  | 'request_too_large'
  | 'rate_limited'
  | 'upstream_unavailable'
  | 'upstream_error'
  | 'forbidden_host'
  | 'forbidden_origin'
  | 'server_busy'
  | 'request_timeout'
  | 'loop_detected'
  | 'not_found'
  | 'internal_error';

const TYPE_BY_CODE: Record<ErrorCode, string> = {
  invalid_request_error: 'invalid_request_error',
  invalid_api_key: 'authentication_error',
  insufficient_quota: 'insufficient_quota',
  model_not_allowed: 'permission_error',
  ip_not_allowed: 'permission_error',
  model_not_found: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  upstream_unavailable: 'api_error',
  upstream_error: 'api_error',
  forbidden_host: 'permission_error',
  forbidden_origin: 'permission_error',
  server_busy: 'api_error',
  request_timeout: 'invalid_request_error',
  loop_detected: 'invalid_request_error',
  not_found: 'invalid_request_error',
  internal_error: 'api_error',
};

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request_error: 400,
  invalid_api_key: 401,
  insufficient_quota: 402,
  model_not_allowed: 403,
  ip_not_allowed: 403,
  model_not_found: 404,
  request_too_large: 413,
  rate_limited: 429,
  upstream_unavailable: 502,
  upstream_error: 502,
  forbidden_host: 403,
  forbidden_origin: 403,
  server_busy: 503,
  request_timeout: 408,
  loop_detected: 508,
  not_found: 404,
  internal_error: 500,
};

export interface GatewayErrorOptions {
  param?: string | null;
  status?: number;
  /** extra fields merged into the `error` object (e.g. `attempts` for upstream_unavailable) */
  details?: Record<string, unknown>;
  /** extra response headers (e.g. retry-after) */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, opts: GatewayErrorOptions = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = opts.status ?? STATUS_BY_CODE[code];
    this.type = TYPE_BY_CODE[code];
    this.param = opts.param ?? null;
    this.details = opts.details;
    this.headers = opts.headers;
  }

  toJSON(): { error: Record<string, unknown> } {
    return {
      error: { message: this.message, type: this.type, code: this.code, param: this.param, ...this.details },
    };
  }
}

export const invalidRequest = (message: string, param: string | null = null): GatewayError =>
  new GatewayError('invalid_request_error', message, { param });

/** Turns anything thrown into a GatewayError; unknown errors become a 500 without leaking internals. */
export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  // Only decodeURIComponent and friends throw URIError: a malformed %-escape the client sent.
  if (err instanceof URIError) return invalidRequest('The URL has a malformed percent-encoding (e.g. a lone %)');
  return new GatewayError('internal_error', 'internal error in the gateway');
}

export function errorBody(err: GatewayError): string {
  return JSON.stringify(err.toJSON());
}

/** The SSE frame an OpenAI SDK surfaces as an APIError when a stream fails after its first byte. */
export function sseErrorFrame(err: GatewayError): string {
  return `data: ${errorBody(err)}\n\n`;
}
