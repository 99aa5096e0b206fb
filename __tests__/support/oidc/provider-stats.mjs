// What the authorization server saw, counted by a koa middleware in front of oidc-provider's
// routes: the library's tests assert on requests (one refresh for a storm, a nonce retry, a
// revocation hint) rather than on the library's own account of them.
import { DEVICE_INTERVAL_S } from './config.mjs';

const LOG_LIMIT = 500;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** How the request authenticated the client, read from the request itself (not the registration). */
function authMethodOf(ctx, body) {
  if (body.client_assertion) return 'client_assertion';
  if (/^basic /i.test(ctx.get('authorization'))) return 'client_secret_basic';
  if (body.client_secret) return 'client_secret_post';
  return 'none';
}

function bump(record, key) {
  record[key] = (record[key] ?? 0) + 1;
}

function emptyStats() {
  return {
    /** Per grant_type: requests, ok, nonceChallenges (400 use_dpop_nonce), errors by code. */
    token: {},
    /** Most recent token requests, oldest first. */
    tokenLog: [],
    /** found: the token existed (and belonged to the client) and was revoked. */
    revocation: { requests: 0, ok: 0, found: 0, notFound: 0, byHint: {}, errors: {}, log: [] },
    deviceAuthorization: { requests: 0, ok: 0, errors: {} },
    /** Polls of one device_code closer together than the interval the harness announced. */
    devicePolls: { polls: 0, tooFast: 0, intervalS: DEVICE_INTERVAL_S },
  };
}

export function createProviderStats() {
  let stats = emptyStats();
  // device_code → time of its last poll, for the interval check.
  let lastPoll = new Map();

  function recordToken(ctx, body, status, error) {
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : '(none)';
    const entry = (stats.token[grantType] ??= { requests: 0, ok: 0, nonceChallenges: 0, errors: {} });
    entry.requests += 1;
    if (status === 200) entry.ok += 1;
    else if (error === 'use_dpop_nonce') entry.nonceChallenges += 1;
    else bump(entry.errors, error ?? String(status));
    stats.tokenLog.push({
      at: Date.now(),
      grantType,
      clientId: ctx.oidc?.client?.clientId ?? body.client_id,
      authMethod: authMethodOf(ctx, body),
      dpop: Boolean(ctx.get('dpop')),
      resource: body.resource,
      scope: body.scope,
      status,
      error,
    });
    if (stats.tokenLog.length > LOG_LIMIT) stats.tokenLog.shift();
    if (grantType === DEVICE_GRANT && typeof body.device_code === 'string') {
      const now = Date.now();
      const previous = lastPoll.get(body.device_code);
      stats.devicePolls.polls += 1;
      // 50 ms of slack: timers fire a little early or late, a client honouring 1 s is not "too fast".
      if (previous !== undefined && now - previous < DEVICE_INTERVAL_S * 1000 - 50) stats.devicePolls.tooFast += 1;
      lastPoll.set(body.device_code, now);
    }
  }

  function recordRevocation(ctx, body, status, error) {
    const revocation = stats.revocation;
    const hint = typeof body.token_type_hint === 'string' ? body.token_type_hint : '(none)';
    // oidc-provider registers the token it found as an entity; none when not found (still 200).
    const kind = ['AccessToken', 'ClientCredentials', 'RefreshToken'].find((name) => ctx.oidc?.entities?.[name]);
    const found = status === 200 && kind !== undefined;
    revocation.requests += 1;
    if (status === 200) revocation.ok += 1;
    else bump(revocation.errors, error ?? String(status));
    if (status === 200) revocation[found ? 'found' : 'notFound'] += 1;
    const byHint = (revocation.byHint[hint] ??= { requests: 0, found: 0 });
    byHint.requests += 1;
    if (found) byHint.found += 1;
    revocation.log.push({ at: Date.now(), clientId: ctx.oidc?.client?.clientId, hint, found, kind, status, error });
    if (revocation.log.length > LOG_LIMIT) revocation.log.shift();
  }

  function recordDeviceAuthorization(status, error) {
    const device = stats.deviceAuthorization;
    device.requests += 1;
    if (status === 200) device.ok += 1;
    else bump(device.errors, error ?? String(status));
  }

  /** A koa middleware: provider.use(middleware). Counts after oidc-provider has answered. */
  async function middleware(ctx, next) {
    await next();
    const route = ctx.oidc?.route;
    if (route !== 'token' && route !== 'revocation' && route !== 'device_authorization') return;
    const body = ctx.oidc.body ?? {};
    const error = ctx.status === 200 ? undefined : ctx.body?.error;
    if (route === 'token') recordToken(ctx, body, ctx.status, error);
    else if (route === 'revocation') recordRevocation(ctx, body, ctx.status, error);
    else {
      recordDeviceAuthorization(ctx.status, error);
      // RFC 8628 §3.2: without `interval` clients must wait 5 s; oidc-provider v8 has no setting for it.
      if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') ctx.body.interval = DEVICE_INTERVAL_S;
    }
  }

  return {
    middleware,
    snapshot: () => structuredClone(stats),
    reset() {
      stats = emptyStats();
      lastPoll = new Map();
    },
  };
}
