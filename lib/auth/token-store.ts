import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TokenSet } from './token-set';

/**
 * Where token sets live between calls and between runs. Keys name an identity
 * (token URL + client + user), so identities never mix in one store.
 */
export interface TokenStore {
  load(key: string): Promise<TokenSet | undefined>;
  save(key: string, tokenSet: TokenSet): Promise<void>;
  clear(key: string): Promise<void>;
  /**
   * Optional cross-process lock. When present, token requests run inside it
   * and re-read the store first, so processes sharing one identity refresh
   * once per expiry.
   */
  withLock?<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T>;
}

/** What a store tells the function it runs under its lock. */
export interface LockInfo {
  /** How long the lock took to get, ms (0 when it was free). */
  waitedMs: number;
  /** `false` when the store went on without the lock (a holder made no progress for a whole lock TTL). */
  held: boolean;
}

/** The default store: tokens live as long as the process. */
export class MemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, TokenSet>();

  async load(key: string): Promise<TokenSet | undefined> {
    const entry = this.entries.get(key);
    return entry && { ...entry };
  }

  async save(key: string, tokenSet: TokenSet): Promise<void> {
    this.entries.set(key, { ...tokenSet });
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

export interface FileTokenStoreOptions {
  /** Told when the file is unreadable or corrupt (it is then ignored). Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

interface FileContents {
  version: 1;
  entries: Record<string, TokenSet>;
}

/**
 * A JSON file, mode 0600, written atomically (temp file + rename), so tokens
 * survive between runs. A corrupt file is reported once per read and ignored.
 */
export class FileTokenStore implements TokenStore {
  /** Writes in this process are chained so two saves never interleave. */
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly onWarning: (message: string) => void;
  /** The corrupt contents already reported, so one bad file is one warning. */
  private reportedCorruption: string | undefined;

  constructor(
    readonly filePath: string,
    options: FileTokenStoreOptions = {},
  ) {
    this.onWarning = options.onWarning ?? ((message) => process.emitWarning(message, 'AxiosWsAuthWarning'));
  }

  async load(key: string): Promise<TokenSet | undefined> {
    await this.writeChain;
    return (await this.read()).entries[key];
  }

  save(key: string, tokenSet: TokenSet): Promise<void> {
    return this.update((entries) => {
      entries[key] = tokenSet;
    });
  }

  clear(key: string): Promise<void> {
    return this.update((entries) => {
      delete entries[key];
    });
  }

  private update(change: (entries: Record<string, TokenSet>) => void): Promise<void> {
    const next = this.writeChain.then(async () => {
      const contents = await this.read();
      change(contents.entries);
      await this.write(contents);
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<FileContents> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.onWarning(`token cache ${this.filePath} is unreadable (${(error as Error).message}); ignoring it`);
      }
      return { version: 1, entries: {} };
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileContents>;
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') {
        return { version: 1, entries: Object.fromEntries(Object.entries(parsed.entries).filter(([, set]) => isTokenSet(set))) };
      }
    } catch {
      // fall through to the warning
    }
    if (this.reportedCorruption !== text) this.onWarning(`token cache ${this.filePath} is corrupt; ignoring it`);
    this.reportedCorruption = text;
    return { version: 1, entries: {} };
  }

  private async write(contents: FileContents): Promise<void> {
    await fs.mkdir(path.dirname(this.filePath), { recursive: true, mode: 0o700 });
    const temporary = `${this.filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temporary, JSON.stringify(contents), { mode: 0o600 });
      await fs.rename(temporary, this.filePath);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }
}

function isTokenSet(value: unknown): value is TokenSet {
  const set = value as Partial<TokenSet> | null;
  return typeof set?.accessToken === 'string' && typeof set.receivedAt === 'number';
}
