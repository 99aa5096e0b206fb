import { fromBase64Url, toBase64Url, type Bytes } from '../auth/base64';
import { sha256Hex } from '../auth/sha256';
import { ConfigError, ErrorCodes } from '../errors';

/** Marks an encrypted entry, so a store can tell it from plain JSON (and a later format from this one). */
const PREFIX = 'aes256gcm.v1.';

/** Web Crypto: global in Node 20 and in every browser, so one implementation serves every store. */
const subtle = () => globalThis.crypto.subtle;
type WebCryptoKey = Awaited<ReturnType<ReturnType<typeof subtle>['importKey']>>;

/** An AES-GCM `CryptoKey` from Web Crypto (typed structurally: no DOM library needed). */
export interface CryptoKeyLike {
  readonly type: string;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/** What a store's `encryptionKey` option takes. */
export type EncryptionKey = Uint8Array | string | CryptoKeyLike;

/**
 * Encryption at rest of a token store's entries: AES-256-GCM, a fresh 96-bit
 * nonce per write, and the entry's key as additional data, so an entry copied
 * under another identity's key does not decrypt either.
 */
export class Sealer {
  private readonly key: Promise<WebCryptoKey>;

  constructor(encryptionKey: EncryptionKey, component: string) {
    const key = isCryptoKey(encryptionKey) ? Promise.resolve(encryptionKey as WebCryptoKey) : subtle().importKey('raw', toKeyBytes(encryptionKey, component), 'AES-GCM', false, ['encrypt', 'decrypt']);
    key.catch(() => undefined); // a bad CryptoKey surfaces on first use, as a warning
    this.key = key;
    // Neither the key nor its promise may show in util.inspect or JSON of the store that holds this.
    Object.defineProperty(this, 'key', { enumerable: false });
  }

  async seal(plaintext: string, context: string): Promise<string> {
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const body = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: utf8(context) }, await this.key, utf8(plaintext)));
    const out = new Uint8Array(nonce.length + body.length);
    out.set(nonce);
    out.set(body, nonce.length);
    return `${PREFIX}${toBase64Url(out)}`;
  }

  /** The plaintext, or `undefined` for a wrong key, a tampered or truncated entry, or one that is not sealed. */
  async open(sealed: string, context: string): Promise<string | undefined> {
    if (!sealed.startsWith(PREFIX)) return undefined;
    try {
      const raw = fromBase64Url(sealed.slice(PREFIX.length));
      if (raw.length < 12 + 16) return undefined;
      const plain = await subtle().decrypt({ name: 'AES-GCM', iv: raw.subarray(0, 12), additionalData: utf8(context) }, await this.key, raw.subarray(12));
      return new TextDecoder().decode(plain);
    } catch {
      return undefined;
    }
  }

  toJSON(): string {
    return '[Sealer]';
  }
}

/** A short, one-way name for an identity key: Redis keys, lock files and broadcast messages never carry a user name. */
export function hashKey(key: string): string {
  return sha256Hex(key).slice(0, 32);
}

function isCryptoKey(value: unknown): value is CryptoKeyLike {
  return typeof value === 'object' && value !== null && 'algorithm' in value && 'usages' in value && !(value instanceof Uint8Array);
}

function toKeyBytes(value: Uint8Array | string, component: string): Bytes {
  // A string is base64 or hex of 32 bytes (what `openssl rand -base64 32` prints); bytes are taken as they are.
  const bytes = typeof value === 'string' ? decodeKeyText(value) : value instanceof Uint8Array ? new Uint8Array(value) : undefined;
  if (bytes?.length !== 32) {
    throw new ConfigError(`${component}: options.encryptionKey must be 32 bytes (a Uint8Array, 32 bytes as base64 or hex, or an AES-GCM CryptoKey)`, {
      key: 'encryptionKey',
      code: ErrorCodes.INVALID_OPTIONS,
    });
  }
  return bytes;
}

function decodeKeyText(text: string): Bytes | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return fromBase64Url(text.replace(/=$/, ''));
  return undefined;
}

function utf8(text: string): Bytes {
  return new TextEncoder().encode(text);
}

