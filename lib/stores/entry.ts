import type { TokenSet } from '../auth/token-set';
import type { Sealer } from './sealed';

/** What a store may warn about, whatever its medium. Never a token: keys are already hashed. */
export type StoreWarning = (message: string) => void;

/**
 * A token set as text for a store (JSON, sealed when the store has a key),
 * and back. Reading never throws: an entry that is not a token set, was
 * written under another key, or was tampered with, is `undefined` and a
 * warning — a store must never turn a bad entry into a crash or a leak.
 */
export class EntryCodec {
  constructor(
    private readonly sealer: Sealer | undefined,
    private readonly warn: StoreWarning,
  ) {}

  /** Entries are encrypted at rest. */
  get encrypted(): boolean {
    return this.sealer !== undefined;
  }

  async encode(tokenSet: TokenSet, context: string): Promise<string> {
    const json = JSON.stringify(pick(tokenSet));
    return this.sealer ? this.sealer.seal(json, context) : json;
  }

  async decode(text: string, context: string, where: string): Promise<TokenSet | undefined> {
    let json: string | undefined = text;
    if (this.sealer) {
      json = await this.sealer.open(text, context);
      if (json === undefined) {
        this.warn(`${where}: an entry could not be decrypted (wrong encryptionKey, tampered or unencrypted); ignoring it`);
        return undefined;
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    if (!isTokenSet(parsed)) {
      this.warn(`${where}: an entry is not a token set; ignoring it`);
      return undefined;
    }
    return pick(parsed);
  }
}

/** A stored token set, checked field by field (a store is input like any other). */
export function isTokenSet(value: unknown): value is TokenSet {
  const set = value as Partial<Record<keyof TokenSet, unknown>> | null;
  if (typeof set !== 'object' || set === null) return false;
  return (
    typeof set.accessToken === 'string' &&
    set.accessToken !== '' &&
    typeof set.tokenType === 'string' &&
    typeof set.receivedAt === 'number' &&
    Number.isFinite(set.receivedAt) &&
    (set.expiresAt === undefined || (typeof set.expiresAt === 'number' && Number.isFinite(set.expiresAt))) &&
    (set.refreshToken === undefined || (typeof set.refreshToken === 'string' && set.refreshToken !== '')) &&
    (set.scope === undefined || typeof set.scope === 'string')
  );
}

/** The token set's own fields only: nothing else a caller hung on the object is stored or returned. */
function pick(tokenSet: TokenSet): TokenSet {
  const copy: TokenSet = { accessToken: tokenSet.accessToken, tokenType: tokenSet.tokenType, receivedAt: tokenSet.receivedAt };
  if (tokenSet.refreshToken !== undefined) copy.refreshToken = tokenSet.refreshToken;
  if (tokenSet.expiresAt !== undefined) copy.expiresAt = tokenSet.expiresAt;
  if (tokenSet.scope !== undefined) copy.scope = tokenSet.scope;
  return copy;
}
