import { createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../lib/auth/sha256';

describe('sha256Hex (the runtime-neutral digest of fingerprints and store keys)', () => {
  it('equals node:crypto on random text of every length around the block boundaries', () => {
    for (let length = 0; length < 300; length++) {
      const text = randomBytes(length).toString('latin1') + 'é€😀'.repeat(length % 3);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});
