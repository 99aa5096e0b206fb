import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey } from 'node:crypto';
import util from 'node:util';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { AuthManager, ErrorCodes, TokenRequestError, type AuthManagerOptions } from '../../lib';
import type { OidcProvider, TokenRequestRecord } from '../support/oidc/start-provider';
import { useOidcProvider } from '../support/oidc/use-provider';

// Discovery and the four client authentications against oidc-provider (a certified server), counted at the server.

const harness = useOidcProvider();
let op: OidcProvider;
beforeAll(() => {
  op = harness.provider();
});

function manager(options: Partial<AuthManagerOptions> & { clientId: string }): AuthManager {
  const made = new AuthManager({ grant: 'client_credentials', issuer: op.issuer, resource: op.resource, scope: op.scope, retryDelayMs: 50, ...options } as AuthManagerOptions);
  return harness.track(made);
}

async function lastTokenRequest(): Promise<TokenRequestRecord> {
  const { tokenLog } = (await op.stats()).provider;
  return tokenLog[tokenLog.length - 1]!;
}

describe('discovery', () => {
  it('takes the token endpoint from the issuer and chooses client_secret_basic from the methods it lists', async () => {
    const auth = manager({ clientId: 'basic-client', clientSecret: op.clients['basic-client'].clientSecret! });
    const claims = decodeJwt(await auth.getAccessToken());
    expect(claims.aud).toBe(op.resource);
    expect(await lastTokenRequest()).toMatchObject({ grantType: 'client_credentials', clientId: 'basic-client', authMethod: 'client_secret_basic', resource: op.resource, status: 200 });
    expect(auth.toJSON()).toMatchObject({ issuer: op.issuer, clientId: 'basic-client' });
  });

  it('a wrong issuer is a retryable DISCOVERY_FAILED, and the next call waits for the backoff', async () => {
    const auth = manager({ issuer: `${op.issuer}/no-such-tenant`, clientId: 'basic-client', clientSecret: 'x', retryDelayMs: 60_000 });
    const failure = await auth.getAccessToken().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ code: ErrorCodes.DISCOVERY_FAILED, retryable: true });
    expect((failure as Error).message).toMatch(/openid-configuration answered HTTP 404.*oauth-authorization-server\/no-such-tenant answered HTTP 404/);
    // Inside the backoff the same failure comes back at once, without asking the server again.
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: ErrorCodes.DISCOVERY_FAILED });
    expect(auth.metrics().refreshFailures).toBe(1);
  });

  it('refuses a document that names another issuer', async () => {
    // The provider's own document, served from another origin: its issuer is not the one configured.
    const document = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).text();
    const server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'application/json' }).end(document));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const impostor = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const auth = manager({ issuer: impostor, clientId: 'basic-client', clientSecret: op.clients['basic-client'].clientSecret! });
      await expect(auth.getAccessToken()).rejects.toMatchObject({ code: ErrorCodes.DISCOVERY_FAILED, retryable: true, message: expect.stringMatching(/names the issuer "http:\/\/127.0.0.1:\d+", not "http:\/\/127.0.0.1:\d+"/) });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('client authentication', () => {
  it("'body' sends client_secret_post", async () => {
    const auth = manager({ clientId: 'post-client', clientSecret: op.clients['post-client'].clientSecret!, clientAuth: 'body' });
    await auth.getAccessToken();
    expect(await lastTokenRequest()).toMatchObject({ clientId: 'post-client', authMethod: 'client_secret_post', status: 200 });
  });

  it('private_key_jwt with a JWK: a fresh assertion per request (the server refuses a replayed jti)', async () => {
    const auth = manager({ clientId: 'jwt-key-client', privateKey: op.privateJwk });
    await auth.getAccessToken();
    await auth.authenticate();
    const { tokenLog } = (await op.stats()).provider;
    const mine = tokenLog.filter((entry) => entry.clientId === 'jwt-key-client');
    expect(mine.slice(-2)).toEqual([
      expect.objectContaining({ authMethod: 'client_assertion', status: 200 }),
      expect.objectContaining({ authMethod: 'client_assertion', status: 200 }),
    ]);
  });

  it('private_key_jwt with a Node KeyObject, and the issuer as the audience (Auth0, RFC 7523bis)', async () => {
    const keyObject = createPrivateKey({ key: op.privateJwk as never, format: 'jwk' });
    const auth = manager({ clientId: 'jwt-key-client', privateKey: keyObject, keyId: op.privateJwk.kid, assertionAudience: 'issuer', assertionHeaders: { 'x5t#S256': 'not-checked-here' } });
    await auth.getAccessToken();
    expect(await lastTokenRequest()).toMatchObject({ clientId: 'jwt-key-client', authMethod: 'client_assertion', status: 200 });
  });

  it('client_secret_jwt signs with the secret', async () => {
    const auth = manager({ clientId: 'jwt-secret-client', clientSecret: op.clients['jwt-secret-client'].clientSecret!, clientAuth: 'client_secret_jwt' });
    await auth.getAccessToken();
    expect(await lastTokenRequest()).toMatchObject({ clientId: 'jwt-secret-client', authMethod: 'client_assertion', status: 200 });
  });

  it('a wrong key is invalid_client, final, and neither the error nor the manager shows the key', async () => {
    const { privateJwk } = op;
    const pair = await generateKeyPair('ES256', { extractable: true });
    const other = { ...(await exportJWK(pair.privateKey)), kid: privateJwk.kid, alg: 'ES256' } as typeof privateJwk;
    const auth = manager({ clientId: 'jwt-key-client', privateKey: other });
    const errors: unknown[] = [];
    auth.on('error', (error) => errors.push(error));
    const failure = await auth.getAccessToken().catch((error: unknown) => error);
    expect(failure).toMatchObject({ oauthError: 'invalid_client', retryable: false });
    expect(errors).toHaveLength(1);
    for (const shown of [failure, auth, errors[0]]) {
      const text = `${util.inspect(shown, { depth: Infinity, showHidden: true })}${JSON.stringify(shown)}`;
      expect(text).not.toContain(String(other.d));
      expect(text).not.toContain(String(privateJwk.d));
    }
  });

  it('a key that cannot sign is a ConfigError naming the option, at construction', () => {
    expect(() => new AuthManager({ grant: 'client_credentials', issuer: op.issuer, clientId: 'jwt-key-client', privateKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTIONS, key: 'privateKey', message: expect.stringMatching(/without its private part/) }),
    );
    expect(() => new AuthManager({ grant: 'client_credentials', issuer: op.issuer, clientId: 'c', clientAuth: 'client_secret_jwt' })).toThrow(expect.objectContaining({ key: 'clientSecret' }));
    expect(() => new AuthManager({ grant: 'client_credentials', clientId: 'c', clientSecret: 's' })).toThrow(expect.objectContaining({ key: 'tokenUrl' }));
  });
});
