import axios from 'axios';
import { AuthManager, ErrorCodes, type AuthError, type DeviceCodeGrantOptions, type UserCodePrompt } from '../../lib';
import type { OidcProvider } from '../support/oidc/start-provider';
import { useOidcProvider } from '../support/oidc/use-provider';

// The device authorization grant, approved and denied on oidc-provider's own pages (the test plays the
// user), and RFC 7009 revocation at its revocation endpoint. The harness announces a 1 s interval.

const harness = useOidcProvider();
let op: OidcProvider;
beforeAll(() => {
  op = harness.provider();
});

function deviceManager(onUserCode: (prompt: UserCodePrompt, auth: AuthManager) => void, extra: Partial<DeviceCodeGrantOptions> = {}): AuthManager {
  const auth: AuthManager = new AuthManager({
    grant: 'device_code',
    issuer: op.issuer,
    clientId: 'device-client',
    scope: `openid ${op.scope}`,
    resource: op.resource,
    onUserCode: (prompt) => onUserCode(prompt, auth),
    ...extra,
  });
  return harness.track(auth);
}

describe('device authorization grant', () => {
  it('shows the code, polls at the interval until the user approves, and refreshes with the refresh token', async () => {
    const prompts: UserCodePrompt[] = [];
    const auth = deviceManager((prompt) => {
      prompts.push(prompt);
      // The user approves a moment later, on the provider's pages.
      void op.approveDevice(prompt.verificationUriComplete!);
    });
    const tokenSet = await auth.authenticate();
    expect(prompts).toEqual([{ verificationUri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/device$/), verificationUriComplete: expect.stringContaining('user_code='), userCode: expect.any(String), expiresAt: expect.any(Number) }]);
    expect(tokenSet.refreshToken).toEqual(expect.any(String));
    await auth.refreshAccessToken();
    const { provider } = await op.stats();
    expect(provider.deviceAuthorization).toMatchObject({ requests: 1, ok: 1 });
    expect(provider.devicePolls.tooFast).toBe(0);
    expect(provider.token['urn:ietf:params:oauth:grant-type:device_code']).toMatchObject({ ok: 1 });
    expect(provider.token['refresh_token']).toMatchObject({ requests: 1, ok: 1 });
    // resource went with the device authorization and with every poll and refresh.
    expect(provider.tokenLog.every((entry) => entry.resource === op.resource)).toBe(true);
  }, 20_000);

  it('a denial is ACCESS_DENIED, final, with one error event', async () => {
    const auth = deviceManager((prompt) => void op.denyDevice(prompt.verificationUriComplete!));
    const errors: AuthError[] = [];
    auth.on('error', (error) => errors.push(error));
    await expect(auth.authenticate()).rejects.toMatchObject({ code: ErrorCodes.ACCESS_DENIED, retryable: false });
    expect(errors.map((error) => error.code)).toEqual([ErrorCodes.ACCESS_DENIED]);
  }, 20_000);

  it('close() ends the wait for the user at once (ABORTED, no error event, no poll)', async () => {
    const auth = deviceManager((_prompt, self) => self.close());
    const errors: unknown[] = [];
    auth.on('error', (error) => errors.push(error));
    await expect(auth.authenticate()).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
    expect(errors).toEqual([]);
    expect((await op.stats()).provider.devicePolls.polls).toBe(0);
  });

  it('an AbortSignal ends it too', async () => {
    const controller = new AbortController();
    const auth = deviceManager(() => controller.abort(), { signal: controller.signal });
    await expect(auth.authenticate()).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
  });
});

describe('revocation', () => {
  it('revoke(): the refresh token (then the access token) at the revocation endpoint; the manager forgets both', async () => {
    const auth = deviceManager((prompt) => void op.approveDevice(prompt.verificationUriComplete!));
    const { refreshToken } = await auth.authenticate();
    const result = await auth.revoke();
    expect(result).toEqual({ revoked: ['refresh_token', 'access_token'], failed: [] });
    const { revocation } = (await op.stats()).provider;
    expect(revocation.byHint['refresh_token']).toEqual({ requests: 1, found: 1 });
    // The server no longer takes the refresh token.
    const metadata = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const refresh = await axios.post(metadata.token_endpoint, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: 'device-client' }).toString(), { validateStatus: () => true });
    expect(refresh.data).toMatchObject({ error: 'invalid_grant' });
    expect(auth.toJSON()).toMatchObject({ fingerprint: undefined });
  }, 20_000);

  it('clear({ revoke: true }) revokes too (with client authentication), and resolves like clear()', async () => {
    const auth = new AuthManager({ grant: 'client_credentials', issuer: op.issuer, clientId: 'basic-client', clientSecret: op.clients['basic-client'].clientSecret!, resource: op.resource, scope: op.scope });
    harness.track(auth);
    await auth.getAccessToken();
    await expect(auth.clear({ revoke: true })).resolves.toBeUndefined();
    const { revocation } = (await op.stats()).provider;
    expect(revocation).toMatchObject({ requests: 1, ok: 1 });
    expect(revocation.log[0]).toMatchObject({ clientId: 'basic-client', hint: 'access_token', status: 200 });
  });

  it('a revocation that fails is logged and reported in the result, never thrown', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string) => void warnings.push(message) };
    const auth = new AuthManager({ grant: 'client_credentials', issuer: op.issuer, revocationUrl: 'http://127.0.0.1:9/revoke', clientId: 'basic-client', clientSecret: op.clients['basic-client'].clientSecret!, resource: op.resource, logger });
    harness.track(auth);
    await auth.getAccessToken();
    const result = await auth.revoke();
    expect(result.revoked).toEqual([]);
    expect(result.failed).toEqual([{ tokenType: 'access_token', error: expect.objectContaining({ code: ErrorCodes.TOKEN_ENDPOINT_UNREACHABLE }) }]);
    expect(warnings).toContain('axios-ws-auth: token revocation failed');
    // A retryable failure keeps the tokens, so a later logout can finish; clear({ revoke: true }) forgets them anyway.
    expect(auth.toJSON()['fingerprint']).toEqual(expect.any(String));
    await auth.clear({ revoke: true });
    expect(auth.toJSON()['fingerprint']).toBeUndefined();
    await expect(auth.revoke()).resolves.toEqual({ revoked: [], failed: [] });
  });
});
