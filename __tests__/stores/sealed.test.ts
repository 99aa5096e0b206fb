import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Sealer } from '../../lib/stores/sealed';

describe('Sealer (AES-256-GCM at rest, one implementation on Web Crypto for every store)', () => {
  const secret = '{"accessToken":"access-Secret"}';

  it('round-trips; a wrong key, another entry’s context, tampering or truncation gives undefined, never a throw', async () => {
    const bytes = randomBytes(32);
    const sealer = new Sealer(bytes, 'Test');
    const sealed = await sealer.seal(secret, 'entry-a');
    expect(sealed).not.toContain('Secret');
    expect(await sealer.open(sealed, 'entry-a')).toBe(secret);
    expect(await new Sealer(bytes.toString('hex'), 'Test').open(sealed, 'entry-a')).toBe(secret);
    expect(await new Sealer(bytes.toString('base64'), 'Test').open(sealed, 'entry-a')).toBe(secret);
    expect(await new Sealer(randomBytes(32), 'Test').open(sealed, 'entry-a')).toBeUndefined();
    expect(await sealer.open(sealed, 'entry-b')).toBeUndefined();
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    expect(await sealer.open(flipped, 'entry-a')).toBeUndefined();
    expect(await sealer.open(sealed.slice(0, 30), 'entry-a')).toBeUndefined();
    expect(await sealer.open(secret, 'entry-a')).toBeUndefined();
    expect(await sealer.open('aes256gcm.v1.%%%', 'entry-a')).toBeUndefined();
  });

  it('takes a Web Crypto key; a key of the wrong size is an INVALID_OPTIONS error naming encryptionKey', async () => {
    const key = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const sealer = new Sealer(key, 'Test');
    expect(await sealer.open(await sealer.seal(secret, 'x'), 'x')).toBe(secret);
    for (const bad of [randomBytes(16), 'short', randomBytes(31).toString('hex')]) {
      expect(() => new Sealer(bad, 'Test')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', key: 'encryptionKey' }));
    }
  });

  it('shows no key in inspect or JSON', () => {
    const bytes = randomBytes(32);
    const sealer = new Sealer(bytes, 'Test');
    for (const text of [inspect(sealer, { depth: Infinity, showHidden: true }), JSON.stringify({ sealer })]) {
      expect(text).not.toContain(bytes.toString('hex'));
      expect(text).not.toContain(bytes.toString('base64'));
      expect(text).not.toMatch(/\b(\d{1,3}, ){31}\d{1,3}\b/); // the raw bytes as an array
    }
  });
});
