import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TokenSet } from '../auth/token-set';
import type { LockInfo, TokenStore } from '../auth/token-store';
import { invalidOption } from '../errors';
import { EntryCodec, type StoreWarning } from './entry';
import { withFileLock } from './file-lock';
import { Sealer, hashKey, type EncryptionKey } from './sealed';
import { INSPECT, printed } from '../auth/printable';

export interface FileTokenStoreOptions {
  /**
   * A cross-process lock (default `true`): processes sharing the file make one
   * token request per expiry between them. `false`: each process on its own.
   */
  lock?: boolean;
  /** A lock whose holder died (or froze) is taken over after this long. Default 15 000 ms. */
  lockTtlMs?: number;
  /** 32 bytes (or their base64/hex), or an AES-GCM CryptoKey: entries are encrypted at rest. */
  encryptionKey?: EncryptionKey;
  /** Told when the file is unreadable or corrupt (it is then ignored). Default: the manager's logger, else `process.emitWarning`. */
  onWarning?: StoreWarning;
}

interface FileContents {
  version: 1;
  entries: Record<string, unknown>;
}

const TEMP_SUFFIX = '.tmp';

/**
 * A JSON file, mode 0600, written atomically (temp file + rename), so tokens
 * survive between runs and are shared by the processes of one machine. Every
 * change is a read-modify-write under a file lock, so writers of different
 * identities never lose each other's entries; a crashed writer's lock is taken
 * over and its temp file removed. A corrupt file is reported once and ignored.
 */
export class FileTokenStore implements TokenStore {
  /** Changes in this process are chained: the file lock orders processes, this orders calls. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly codec: EntryCodec;
  private readonly lockTtlMs: number;
  private readonly locking: boolean;
  private warnTo: StoreWarning | undefined;
  /** The corrupt contents already reported, so one bad file is one warning. */
  private reportedCorruption: string | undefined;

  constructor(
    readonly filePath: string,
    options: FileTokenStoreOptions = {},
  ) {
    if (typeof filePath !== 'string' || filePath === '') throw invalidOption('FileTokenStore', 'filePath', 'must be a non-empty path');
    this.locking = options.lock ?? true;
    this.lockTtlMs = options.lockTtlMs ?? 15_000;
    if (!Number.isFinite(this.lockTtlMs) || this.lockTtlMs < 2_000) throw invalidOption('FileTokenStore', 'lockTtlMs', 'must be at least 2 000 ms');
    this.warnTo = options.onWarning;
    const sealer = options.encryptionKey === undefined ? undefined : new Sealer(options.encryptionKey, 'FileTokenStore');
    this.codec = new EntryCodec(sealer, (message) => this.warn(message));
    for (const field of ['codec', 'chain'] as const) Object.defineProperty(this, field, { enumerable: false, writable: true });
  }

  async load(key: string): Promise<TokenSet | undefined> {
    await this.chain;
    const entry = (await this.read()).entries[key];
    return this.decode(entry, key);
  }

  save(key: string, tokenSet: TokenSet): Promise<void> {
    return this.update(async (entries) => {
      entries[key] = this.codec.encrypted ? await this.codec.encode(tokenSet, key) : JSON.parse(await this.codec.encode(tokenSet, key));
    });
  }

  clear(key: string): Promise<void> {
    return this.update(async (entries) => {
      delete entries[key];
    });
  }

  /** Runs `fn` holding this identity's lock across processes (unless `lock: false`). */
  withLock<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T> {
    if (!this.locking) return fn({ waitedMs: 0, held: false });
    return withFileLock(`${this.filePath}.${hashKey(key).slice(0, 16)}`, { ttlMs: this.lockTtlMs, warn: (message) => this.warn(message) }, fn);
  }

  /** Where warnings go when no `onWarning` was given: the manager hands over its logger. */
  useLogger(logger: { warn(message: string): void }): void {
    this.warnTo ??= (message) => logger.warn(`axios-ws-auth: ${message}`);
  }

  toJSON(): Record<string, unknown> {
    return { store: 'file', filePath: this.filePath, lock: this.locking, encrypted: this.codec.encrypted };
  }

  [INSPECT](): string {
    return printed('FileTokenStore', this.toJSON());
  }

  private warn(message: string): void {
    if (this.warnTo) this.warnTo(message);
    else process.emitWarning(message, 'AxiosWsAuthWarning');
  }

  private async decode(entry: unknown, key: string): Promise<TokenSet | undefined> {
    if (entry === undefined) return undefined;
    const text = typeof entry === 'string' ? entry : JSON.stringify(entry);
    return this.codec.decode(text, key, `token cache ${this.filePath}`);
  }

  private update(change: (entries: Record<string, unknown>) => Promise<void>): Promise<void> {
    const next = this.chain.then(() => this.withFileLock(async () => {
      await this.removeDeadWritersTemps();
      const contents = await this.read();
      await change(contents.entries);
      await this.write(contents);
    }));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The read-modify-write lock, apart from the identities' refresh locks (a save happens inside one of those). */
  private withFileLock(fn: () => Promise<void>): Promise<void> {
    if (!this.locking) return fn();
    return withFileLock(this.filePath, { ttlMs: this.lockTtlMs, warn: (message) => this.warn(message) }, async () => fn());
  }

  private async read(): Promise<FileContents> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.warn(`token cache ${this.filePath} is unreadable (${(error as Error).message}); ignoring it`);
      }
      return { version: 1, entries: {} };
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileContents>;
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object' && !Array.isArray(parsed.entries)) {
        return { version: 1, entries: { ...parsed.entries } };
      }
    } catch {
      // fall through to the warning
    }
    if (this.reportedCorruption !== text) this.warn(`token cache ${this.filePath} is corrupt; ignoring it`);
    this.reportedCorruption = text;
    return { version: 1, entries: {} };
  }

  private async write(contents: FileContents): Promise<void> {
    await fs.mkdir(path.dirname(this.filePath), { recursive: true, mode: 0o700 });
    const temporary = `${this.filePath}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    try {
      await fs.writeFile(temporary, JSON.stringify(contents), { mode: 0o600 });
      await fs.rename(temporary, this.filePath);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  /** A writer killed between writing its temp file and renaming it leaves tokens on disk: remove them. */
  private async removeDeadWritersTemps(): Promise<void> {
    const dir = path.dirname(this.filePath);
    const prefix = `${path.basename(this.filePath)}.`;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
