import type { MetricsSnapshot } from '../metrics/snapshot.js';

/** Where the dashboard gets its numbers: the admin API in real life, a stub in tests. */
export type FetchSnapshot = () => Promise<MetricsSnapshot>;

/** Nothing answered at the URL (refused, reset, timed out). */
export class DaemonUnreachableError extends Error {
  readonly code = 'daemon_unreachable';
}

/** Something answered, but not with a snapshot (wrong token, wrong service, server error). */
export class AdminApiError extends Error {
  readonly code = 'admin_api_error';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface HttpSourceOptions {
  /** daemon base URL, e.g. http://127.0.0.1:8420 */
  url: string;
  /** admin token; read again on every call so a restarted daemon's new token is picked up */
  token: () => string | null;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function httpSnapshotSource(opts: HttpSourceOptions): FetchSnapshot {
  const doFetch = opts.fetch ?? fetch;
  const endpoint = new URL('/admin/metrics', opts.url).toString();
  return async function fetchSnapshot() {
    const token = opts.token();
    let res: Response;
    try {
      res = await doFetch(endpoint, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(opts.timeoutMs ?? 2000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new DaemonUnreachableError(`no daemon at ${opts.url}${cause ? ` (${cause})` : ''}`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new AdminApiError(
        token
          ? `the daemon refused the admin token (HTTP ${res.status}); is TOKENHUB_HOME the one it was started with?`
          : 'no admin token found in TOKENHUB_HOME',
        res.status,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AdminApiError(`GET /admin/metrics answered HTTP ${res.status}`, res.status);
    }
    const body = (await res.json()) as MetricsSnapshot;
    if (!body || typeof body !== 'object' || !Array.isArray(body.providers)) {
      throw new AdminApiError('GET /admin/metrics did not return a metrics snapshot', res.status);
    }
    return body;
  };
}
