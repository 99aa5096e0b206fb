import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError, ErrorCodes } from '../errors';

/** Marks an encrypted entry, so a store can tell it from plain JSON (and a later format from this one). */
const PREFIX = 'aes256gcm.v1.';

/**
 * Encryption at rest of a token store's entries: AES-256-GCM, a fresh 96-bit
 * nonce per write, and the entry's key as additional data, so an entry copied
 * under another identity's key does not decrypt either.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(encryptionKey: Uint8Array | string, component: string) {
    this.key = toKey(encryptionKey, component);
    // The raw key must not show in util.inspect or JSON of the store that holds this.
    Object.defineProperty(this, 'key', { enumerable: false });
  }

  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or `undefined` for a wrong key, a tampered or truncated entry, or one that is not sealed. */
  open(sealed: string, context: string): string | undefined {
    if (!sealed.startsWith(PREFIX)) return undefined;
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 12 + 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  toJSON(): string {
    return '[Sealer]';
  }
}

/** True for what `Sealer.seal` writes (to tell "wrong key" from "not encrypted"). */
export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** A short, one-way name for an identity key: store keys never carry a user name. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
}

function toKey(value: Uint8Array | string, component: string): Buffer {
  // A string is base64 or hex of 32 bytes (what `openssl rand -base64 32` prints); bytes are taken as they are.
  const bytes = typeof value === 'string' ? decodeKeyText(value) : Buffer.from(value);
  if (bytes?.length !== 32) {
    throw new ConfigError(`${component}: options.encryptionKey must be 32 bytes (a Uint8Array, or 32 bytes as base64 or hex)`, {
      key: 'encryptionKey',
      code: ErrorCodes.INVALID_OPTIONS,
    });
  }
  return bytes;
}

function decodeKeyText(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return Buffer.from(text, 'base64');
  return undefined;
}
