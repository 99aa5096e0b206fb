import type { ClientAuthentication } from './client-auth';
import { DEVICE_CODE_GRANT_TYPE, type DeviceFlow, type DevicePollAnswer } from './device-flow';
import type { DpopVerifier } from './dpop-proof';
import { oauthError, type OAuthAnswer } from './oauth-answer';
import type { Chain, TokenStore } from './token-store';

/** Grants answered by the token endpoint, by `grant_type`. */
export interface GrantCounts {
  password: number;
  client_credentials: number;
  refresh_token: number;
}

/** A token request once its client is known. */
export interface GrantRequest {
  form: URLSearchParams;
  client: Extract<ClientAuthentication, { ok: true }>;
  /** The key a valid DPoP proof showed: the tokens issued are bound to it. */
  jkt: string | undefined;
}

/** The parts of the authority a grant works with. */
export interface GrantParts {
  store: TokenStore;
  users: Record<string, string>;
  grants: GrantCounts;
  rotateRefreshTokens: boolean;
  detectReuse: boolean;
  device: DeviceFlow;
  dpop: DpopVerifier;
  /** The token endpoint's 200 body for this chain. */
  issue(chain: Chain, withRefreshToken: boolean): Record<string, unknown>;
  /** A rotated-out refresh token was presented again (with `detectReuse`): counts it, revokes the grant. */
  onReuse(chain: Chain): void;
}

/** Answers one grant (RFC 6749 §4.3, §4.4, §6). */
export function judgeGrant(request: GrantRequest, parts: GrantParts): OAuthAnswer {
  const { form, client } = request;
  const grantType = form.get('grant_type');
  switch (grantType) {
    case 'password':
      return passwordGrant(request, parts);
    case 'client_credentials':
      if (client.isPublic) return oauthError(401, 'invalid_client', 'a public client cannot use client_credentials');
      parts.grants.client_credentials++;
      return { status: 200, json: parts.issue({ subject: client.clientId, clientId: client.clientId, revoked: false }, false) };
    case 'refresh_token':
      return refreshGrant(request, parts);
    case DEVICE_CODE_GRANT_TYPE:
      return deviceGrant(request, parts);
    default:
      return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType ?? '(none)'} is not supported`);
  }
}

function passwordGrant({ form, client }: GrantRequest, parts: GrantParts): OAuthAnswer {
  const username = form.get('username') ?? '';
  const password = Object.hasOwn(parts.users, username) ? parts.users[username] : undefined;
  if (password === undefined || password !== form.get('password')) return oauthError(400, 'invalid_grant', 'wrong username or password');
  parts.grants.password++;
  return { status: 200, json: parts.issue({ subject: username, clientId: client.clientId, revoked: false }, true) };
}

function refreshGrant({ form, jkt }: GrantRequest, parts: GrantParts): OAuthAnswer {
  const presented = form.get('refresh_token') ?? '';
  const reused = parts.detectReuse ? parts.store.rotatedChain(presented) : undefined;
  if (reused) {
    parts.onReuse(reused);
    return oauthError(400, 'invalid_grant', 'refresh token reused: the grant is revoked');
  }
  const chain = parts.store.refreshChain(presented);
  if (chain === undefined || chain.revoked) return oauthError(400, 'invalid_grant', 'refresh token unknown, used or revoked');
  // RFC 9449 §5: a public client's refresh token works only with a proof by the key it is bound to.
  if (chain.jkt !== undefined && jkt === undefined) {
    parts.dpop.countRefusal('missing-proof');
    return oauthError(400, 'invalid_dpop_proof', 'the refresh token is DPoP-bound: a proof by its key is required');
  }
  if (chain.jkt !== undefined && jkt !== chain.jkt) {
    parts.dpop.countRefusal('key-mismatch');
    return oauthError(400, 'invalid_grant', 'the refresh token is bound to another DPoP key');
  }
  parts.grants.refresh_token++;
  if (parts.rotateRefreshTokens) parts.store.rotate(presented, chain, parts.detectReuse);
  return { status: 200, json: parts.issue(chain, parts.rotateRefreshTokens) };
}

/** RFC 8628 §3.5: the poll's answer, or tokens (with a refresh token) once the user approved. */
function deviceGrant({ form, client }: GrantRequest, parts: GrantParts): OAuthAnswer {
  const { answer, subject } = parts.device.poll(form.get('device_code') ?? '', client.clientId);
  if (answer === 'issued') return { status: 200, json: parts.issue({ subject: subject ?? '', clientId: client.clientId, revoked: false }, true) };
  return oauthError(400, answer, POLL_DESCRIPTIONS[answer]);
}

const POLL_DESCRIPTIONS: Record<Exclude<DevicePollAnswer, 'issued'>, string> = {
  authorization_pending: 'the user has not answered yet',
  slow_down: 'polling too fast: add 5 seconds to the interval',
  expired_token: 'the device code expired',
  access_denied: 'the user refused',
  invalid_grant: 'device code unknown, used, or issued to another client',
};
