/** The test gateway's paths; `:id` stands for the session id. */
export interface TestGatewayPaths {
  /** `POST` → 201 `{ session_id, ws_url }`. Default `/api/v1/sessions`. */
  sessions: string;
  /** `GET` → 200 session metrics. Default `/api/v1/sessions/:id/metrics`. */
  sessionMetrics: string;
  /** `GET` → 200 `{ status: 'ok' }`. Default `/api/v1/health`. */
  health: string;
  /** WebSocket upgrade. Default `/api/v1/sessions/:id/stream`. */
  stream: string;
  /** OAuth2 token endpoint (`POST`, form-encoded). Default `/oauth/token`. */
  token: string;
  /** Token revocation (RFC 7009; `POST`, form-encoded). Default `/oauth/revoke`. */
  revoke: string;
  /** Device authorization (RFC 8628; `POST`, form-encoded). Default `/oauth/device_authorization`. */
  deviceAuthorization: string;
  /** The device verification page (`GET`; the `verification_uri` handed out). Default `/device`. */
  device: string;
}

export const defaultPaths: TestGatewayPaths = {
  sessions: '/api/v1/sessions',
  sessionMetrics: '/api/v1/sessions/:id/metrics',
  health: '/api/v1/health',
  stream: '/api/v1/sessions/:id/stream',
  token: '/oauth/token',
  revoke: '/oauth/revoke',
  deviceAuthorization: '/oauth/device_authorization',
  device: '/device',
};

/** A path template compiled once: `match(pathname)` gives the `:id`, `''` when the template has none. */
export interface PathMatcher {
  match(pathname: string): string | undefined;
  /** The path for one session id. */
  build(id?: string): string;
}

export function compilePath(template: string): PathMatcher {
  const escaped = template.split(':id').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`^${escaped.join('([^/]+)')}/?$`);
  return {
    match(pathname) {
      const found = pattern.exec(pathname);
      if (!found) return undefined;
      const id = found[1];
      if (id === undefined) return '';
      try {
        return decodeURIComponent(id);
      } catch {
        return undefined;
      }
    },
    build: (id = '') => template.split(':id').join(encodeURIComponent(id)),
  };
}

/** Path and query of a request URL (the host part is irrelevant here). */
export function splitUrl(url: string | undefined): { pathname: string; query: URLSearchParams } {
  const parsed = new URL(url ?? '/', 'http://127.0.0.1');
  return { pathname: parsed.pathname, query: parsed.searchParams };
}
