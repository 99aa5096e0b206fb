import { oauthError, type OAuthAnswer } from './oauth-answer';

/** How many requests `recentGrants` keeps. */
export const RECENT_GRANTS_KEPT = 100;

/** The target parameters one request to the token side carried, as a client test checks them. */
export interface GrantParams {
  /** `token`: the token endpoint; `device_authorization`: the device authorization endpoint. */
  endpoint: 'token' | 'device_authorization';
  /** The form's `grant_type` (`undefined` on the device authorization endpoint, or when absent). */
  grantType: string | undefined;
  /** Every `resource` parameter (RFC 8707; it may repeat), in order. */
  resource: string[];
  /** Every `audience` parameter (RFC 8693 style, as Auth0 and others take it), in order. */
  audience: string[];
  /** The `scope` parameter, as sent. */
  scope: string | undefined;
}

/** Reads the target parameters of a form. */
export function grantParams(endpoint: GrantParams['endpoint'], form: URLSearchParams): GrantParams {
  return { endpoint, grantType: form.get('grant_type') ?? undefined, resource: form.getAll('resource'), audience: form.getAll('audience'), scope: form.get('scope') ?? undefined };
}

/** RFC 8707 §2: each `resource` is an absolute URI without a fragment, else `invalid_target`. */
export function invalidTarget(params: GrantParams): OAuthAnswer | undefined {
  for (const resource of params.resource) {
    let url: URL | undefined;
    try {
      url = new URL(resource);
    } catch {
      url = undefined;
    }
    if (url === undefined || resource.includes('#')) return oauthError(400, 'invalid_target', `resource ${JSON.stringify(resource)} is not an absolute URI without a fragment`);
  }
  return undefined;
}

/** The access token's `aud`: the audiences, then the resources, once each (none: no claim). */
export function audienceClaim(params: GrantParams): string | string[] | undefined {
  const audience = [...new Set([...params.audience, ...params.resource])];
  if (audience.length === 0) return undefined;
  return audience.length === 1 ? audience[0] : audience;
}
