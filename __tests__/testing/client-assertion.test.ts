import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { postForm } from './helpers';
import { dpopKey } from './dpop-helpers';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('startTestGateway: client_secret_jwt and private_key_jwt client authentication (RFC 7523)', () => {
  let gateway: TestGateway;
  let signerKey: CryptoKey;
  const secret = 'robot-secret';
  const start = async (options: TestGatewayOptions = {}) => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signerKey = pair.privateKey;
    gateway = await startTestGateway({ clients: { 'benchmark-client': '', robot: secret }, clientKeys: { signer: await exportJWK(pair.publicKey) }, ...options });
  };
  afterEach(() => gateway.close());

  const now = () => Math.floor(Date.now() / 1000);
  /** An assertion for `client` (HS256 with the robot's secret unless a key is given); `claims` override the standard ones. */
  const assertion = (client: string, claims: Record<string, unknown> = {}, key: CryptoKey | Uint8Array = new TextEncoder().encode(secret), alg = 'HS256') =>
    new SignJWT({ iss: client, sub: client, aud: gateway.tokenUrl, exp: now() + 60, jti: randomUUID(), ...claims }).setProtectedHeader({ alg }).sign(key);
  const withAssertion = (jwt: string, fields: Record<string, string> = { grant_type: 'client_credentials' }) => ({ ...fields, client_assertion_type: ASSERTION_TYPE, client_assertion: jwt });

  it('client_secret_jwt: an HS256 assertion with the client secret authenticates; aud may be the token URL or the issuer', async () => {
    await start();
    const byTokenUrl = await postForm(gateway.tokenUrl, withAssertion(await assertion('robot')));
    expect(byTokenUrl.status).toBe(200);
    expect(byTokenUrl.json['token_type']).toBe('Bearer');
    expect((await postForm(gateway.tokenUrl, withAssertion(await assertion('robot', { aud: gateway.issuer })))).status).toBe(200);
    expect((await postForm(gateway.tokenUrl, withAssertion(await assertion('robot', { aud: [gateway.issuer, 'https://other.example'] })))).status).toBe(200);
    expect((await postForm(gateway.tokenUrl, { ...withAssertion(await assertion('robot')), client_id: 'robot' })).status).toBe(200);
    expect(gateway.stats().token.clientAuth).toMatchObject({ byMethod: { client_secret_jwt: 4 }, refused: 0 });
  });

  it('private_key_jwt: an assertion signed by the registered key authenticates; another key does not', async () => {
    await start();
    const signed = await postForm(gateway.tokenUrl, withAssertion(await assertion('signer', {}, signerKey, 'ES256')));
    expect(signed.status).toBe(200);
    const { privateKey: stranger } = await generateKeyPair('ES256');
    expect((await postForm(gateway.tokenUrl, withAssertion(await assertion('signer', {}, stranger, 'ES256')))).json).toMatchObject({ error: 'invalid_client' });
    // The key-registered client has no secret: HMAC and plain secrets are refused.
    expect((await postForm(gateway.tokenUrl, withAssertion(await assertion('signer')))).status).toBe(401);
    expect((await postForm(gateway.tokenUrl, { grant_type: 'client_credentials', client_id: 'signer', client_secret: 'x' })).status).toBe(401);
    expect(gateway.stats().token.clientAuth).toMatchObject({ byMethod: { private_key_jwt: 1 }, refused: 3 });
  });

  it('refuses with 401 invalid_client: a replayed jti, exp past or over 5 min ahead, a foreign aud, iss ≠ sub, no jti, the wrong type, Basic beside it', async () => {
    await start();
    const once = await assertion('robot');
    expect((await postForm(gateway.tokenUrl, withAssertion(once))).status).toBe(200);
    const basic = { Authorization: `Basic ${Buffer.from(`robot:${secret}`).toString('base64')}` };
    const refused: Array<[string, Record<string, string>, Record<string, string>?]> = [
      ['replayed jti', withAssertion(once)],
      ['expired', withAssertion(await assertion('robot', { exp: now() - 10 }))],
      ['exp too far', withAssertion(await assertion('robot', { exp: now() + 600 }))],
      ['foreign aud', withAssertion(await assertion('robot', { aud: 'https://elsewhere.example/token' }))],
      ['iss ≠ sub', withAssertion(await assertion('robot', { iss: 'benchmark-client' }))],
      ['no jti', withAssertion(await assertion('robot', { jti: undefined }))],
      ['client_id ≠ sub', { ...withAssertion(await assertion('robot')), client_id: 'benchmark-client' }],
      ['wrong type', { ...withAssertion(await assertion('robot')), client_assertion_type: 'urn:example:saml' }],
      ['not a JWT', withAssertion('garbage')],
      ['Basic beside it', withAssertion(await assertion('robot')), basic],
      ['unknown client', withAssertion(await assertion('stranger'))],
    ];
    for (const [why, fields, headers] of refused) {
      const answer = await postForm(gateway.tokenUrl, fields, headers);
      expect([why, answer.status, answer.json['error']]).toEqual([why, 401, 'invalid_client']);
    }
    expect(gateway.stats().token.clientAuth).toMatchObject({ byMethod: { client_secret_jwt: 1 }, refused: refused.length, replayedAssertions: 1 });
    // Without HTTP there is no asynchronous verification: an assertion is refused.
    expect(gateway.authority.respond(new URLSearchParams(withAssertion(await assertion('robot')))).status).toBe(401);
  });

  it('works at the revocation and device authorization endpoints too (aud: the token URL or the endpoint itself)', async () => {
    await start({ device: { intervalSeconds: 0 } });
    const issued = await postForm(gateway.tokenUrl, withAssertion(await assertion('signer', {}, signerKey, 'ES256')));
    const revoked = await postForm(gateway.revocationUrl, { token: String(issued.json['access_token']), ...withAssertion(await assertion('signer', { aud: gateway.revocationUrl }, signerKey, 'ES256'), {}) });
    expect(revoked.status).toBe(200);
    expect(gateway.authority.check(String(issued.json['access_token']))).toBe('revoked');
    const codes = await postForm(gateway.deviceAuthorizationUrl, withAssertion(await assertion('robot'), {}));
    expect(codes.status).toBe(200);
    gateway.approveDevice(String(codes.json['user_code']));
    const polled = await postForm(gateway.tokenUrl, withAssertion(await assertion('robot'), { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: String(codes.json['device_code']) }));
    expect(polled.status).toBe(200);
  });

  it('a DPoP nonce challenge does not use up the assertion: the same one is taken on the retry', async () => {
    await start({ dpop: { nonce: true } });
    const key = await dpopKey();
    const jwt = await assertion('robot');
    const challenged = await postForm(gateway.tokenUrl, withAssertion(jwt), { DPoP: await key.proof('POST', gateway.tokenUrl) });
    expect(challenged.json['error']).toBe('use_dpop_nonce');
    const granted = await postForm(gateway.tokenUrl, withAssertion(jwt), { DPoP: await key.proof('POST', gateway.tokenUrl, { nonce: challenged.headers.get('dpop-nonce') }) });
    expect(granted.status).toBe(200);
    expect(granted.json['token_type']).toBe('DPoP');
  });
});
