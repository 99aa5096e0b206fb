import { generateKeyPairSync, webcrypto } from 'node:crypto';
import util from 'node:util';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { AuthManager, ErrorCodes, type AuthManagerOptions, type SigningKey } from '../../lib';
import { TokenEndpoint } from '../../lib/auth/token-endpoint';
import { DpopProver } from '../../lib/auth/dpop';
import { normalizeOptions } from '../../lib/auth/normalize-options';

// The OAuth options checked at construction (a ConfigError naming the key, never its value), the key
// types a user holds (jose's JWK, Web Crypto's JsonWebKey and CryptoKey, Node's KeyObject), and the
// internals that hold secrets printing nothing of them.

const base = { grant: 'client_credentials', tokenUrl: 'https://as.example.com/token', clientId: 'c' } as const;
const fails = (options: object) => {
  try {
    new AuthManager(options as AuthManagerOptions).close();
  } catch (error) {
    return error as { code?: string; key?: string; message: string };
  }
  throw new Error('constructed without error');
};

describe('OAuth options', () => {
  it('bad combinations fail at construction, naming the key', () => {
    expect(fails({ ...base, clientSecret: 's', privateKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }, clientAuth: 'basic' })).toMatchObject({ code: ErrorCodes.INVALID_OPTIONS, key: 'privateKey' });
    expect(fails({ ...base, clientAuth: 'basic' })).toMatchObject({ key: 'clientSecret' });
    expect(fails({ ...base, clientSecret: 's', issuer: 'https://as.example.com/?tenant=1' })).toMatchObject({ key: 'issuer' });
    expect(fails({ ...base, clientSecret: 's', resource: ['https://api.example.com/#x'] })).toMatchObject({ key: 'resource[0]' });
    expect(fails({ ...base, clientSecret: 's', assertionHeaders: { alg: 'none' } })).toMatchObject({ key: 'assertionHeaders' });
    expect(fails({ ...base, clientSecret: 's', dpop: { privateKey: { kty: 'oct', k: 'c2VjcmV0', d: 'x' } } })).toMatchObject({ key: 'dpop.privateKey' });
    expect(fails({ ...base, grant: 'device_code', tokenUrl: 'https://as.example.com/token' })).toMatchObject({ key: 'onUserCode' });
    expect(fails({ ...base, grant: 'device_code', onUserCode: () => undefined })).toMatchObject({ key: 'deviceAuthorizationUrl' });
  });

  it('a non-extractable CryptoKey for DPoP needs its public key', async () => {
    const pair = await generateKeyPair('ES256', { extractable: false });
    expect(fails({ ...base, clientSecret: 's', dpop: { privateKey: pair.privateKey } })).toMatchObject({ key: 'dpop.publicKey' });
    new AuthManager({ ...base, clientSecret: 's', dpop: { privateKey: pair.privateKey, publicKey: pair.publicKey } }).close();
  });

  it('takes the key types users hold, and names a DPoP key in the store key (different keys never share tokens)', async () => {
    const jose: JWK = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const web: webcrypto.JsonWebKey = { ...jose } as webcrypto.JsonWebKey;
    const node = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const keys: SigningKey[] = [jose, web, node];
    const storeKeys = keys.map((privateKey) => normalizeOptions({ ...base, clientSecret: 's', dpop: { privateKey } }).storeKey);
    expect(storeKeys[0]).toBe(storeKeys[1]); // the same key, two types: one identity
    expect(storeKeys[0]).not.toBe(storeKeys[2]);
    expect(storeKeys.every((key) => /\|dpop:[0-9a-f]{16}$/.test(key))).toBe(true);
  });

  it('toJSON shows no userinfo of a token URL', () => {
    const auth = new AuthManager({ ...base, tokenUrl: 'https://user:pa55@as.example.com/token', clientSecret: 's' });
    expect(JSON.stringify(auth)).not.toContain('pa55');
    auth.close();
  });

  it('the objects that hold the secret and the keys print their name only', async () => {
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const settings = normalizeOptions({ ...base, clientSecret: 'top-secret-value', privateKey: privateJwk, clientAuth: 'private_key_jwt' }).endpoint!;
    const dpop = new DpopProver({ privateKey: privateJwk });
    const endpoint = new TokenEndpoint({ ...settings, clientSecret: 'top-secret-value' }, dpop, console);
    for (const shown of [endpoint, dpop]) {
      const text = `${util.inspect(shown, { depth: Infinity, showHidden: true })}${JSON.stringify(shown)}`;
      expect(text).not.toContain('top-secret-value');
      expect(text).not.toContain(String(privateJwk.d));
    }
  });
});
