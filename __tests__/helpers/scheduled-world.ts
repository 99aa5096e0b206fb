import axios, { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type fc from 'fast-check';
import { AuthManager } from '../../lib';
import { fingerprint } from '../../lib/auth/token-set';
import { attachAuth } from '../../lib/http';

/** What the fake token endpoint does with the next token request. */
export type EndpointFault = '503' | 'html' | 'network' | 'revoke-refresh-tokens' | 'refuse';

/** Token lifetime and leeway of the world (seconds and ms). */
export const LIFETIME_S = 100;
export const LEEWAY_MS = 10_000;

/**
 * An AuthManager, an attachAuth'ed axios instance and their two servers, all
 * in memory: the token endpoint (an adapter installed on the default axios
 * while the manager is built) and the protected API (an adapter on the
 * instance). Every answer waits for the fast-check scheduler, so the
 * scheduler picks the interleaving. Book-keeping records what the
 * properties need: token request concurrency, whether each token request was
 * called for, and every API attempt per request id.
 */
export class ScheduledWorld {
  readonly clock = { now: 1_700_000_000_000 };
  readonly auth: AuthManager;
  readonly api: AxiosInstance;
  tokenRequests = 0;
  maxConcurrentTokenRequests = 0;
  /** Token requests made while nothing called for one (a late 401, a double refresh…). */
  readonly unjustified: string[] = [];
  readonly attempts = new Map<string, number>();
  /** Access tokens issued, oldest first. */
  readonly issued: string[] = [];
  private readonly faults: EndpointFault[] = [];
  private inFlight = 0;
  private refreshTokens = new Set<string>();
  /** Tokens the API accepts, with their expiry on the world clock. */
  private readonly live = new Map<string, number>();
  private current: { token: string; expiresAt: number | undefined } | undefined;
  /** Something asked for a new token since the last one arrived (a 401 for the current token). */
  private needed = false;
  private serial = 0;

  constructor(
    private readonly scheduler: fc.Scheduler,
    maxRetries: number,
  ) {
    const previous = axios.defaults.adapter;
    // TokenEndpoint copies the defaults when the manager is built; restored at once, nothing else sees it.
    axios.defaults.adapter = this.tokenAdapter;
    try {
      this.auth = new AuthManager({ grant: 'password', tokenUrl: 'http://auth.test/token', clientId: 'c', username: 'u', password: 'p', refreshLeewayMs: LEEWAY_MS, retryDelayMs: 1_000, now: () => this.clock.now });
    } finally {
      axios.defaults.adapter = previous;
    }
    const byFingerprint = (value: string | undefined) => this.issued.find((token) => fingerprint(token) === value);
    this.auth.on('token', (event) => {
      this.current = { token: byFingerprint(event.fingerprint)!, expiresAt: event.expiresAt };
      this.needed = false;
    });
    this.auth.on('unauthorized', (event) => {
      if (event.fingerprint === undefined || (!event.stale && byFingerprint(event.fingerprint) === this.current?.token)) this.needed = true;
    });
    this.api = axios.create({ baseURL: 'http://api.test', adapter: this.apiAdapter });
    attachAuth(this.api, this.auth, { maxRetries });
  }

  /** The token the manager holds, as far as its events tell. */
  get currentToken(): string | undefined {
    return this.current?.token;
  }

  /** The next token request meets `fault`. */
  injectFault(fault: EndpointFault): void {
    this.faults.push(fault);
  }

  /** The API stops accepting every token issued so far (a server-side revocation). */
  expireAtServer(): void {
    this.live.clear();
  }

  private justified(): boolean {
    if (this.needed || this.current === undefined) return true;
    const { expiresAt } = this.current;
    return expiresAt !== undefined && this.clock.now >= expiresAt - LEEWAY_MS;
  }

  private readonly tokenAdapter: AxiosAdapter = async (config) => {
    this.tokenRequests++;
    if (!this.justified()) this.unjustified.push(`token request #${this.tokenRequests} with no 401 for the current token and none due`);
    this.inFlight++;
    this.maxConcurrentTokenRequests = Math.max(this.maxConcurrentTokenRequests, this.inFlight);
    try {
      await this.scheduler.schedule(Promise.resolve(), `token response #${this.tokenRequests}`);
      const form = new URLSearchParams(String(config.data));
      const fault = this.faults.shift();
      if (fault === 'network') throw new AxiosError('socket hang up', 'ECONNRESET', config);
      if (fault === '503') return reply(config, 503, '{"error":"temporarily_unavailable"}');
      if (fault === 'html') return reply(config, 200, '<html>sign in</html>');
      if (fault === 'refuse') return reply(config, 400, '{"error":"invalid_grant"}');
      if (fault === 'revoke-refresh-tokens') this.refreshTokens.clear();
      if (form.get('grant_type') === 'refresh_token') {
        const presented = form.get('refresh_token') ?? '';
        if (!this.refreshTokens.delete(presented)) return reply(config, 400, '{"error":"invalid_grant"}');
      }
      return reply(config, 200, JSON.stringify(this.issue()));
    } finally {
      this.inFlight--;
    }
  };

  private issue(): Record<string, unknown> {
    const accessToken = `at-${++this.serial}`;
    const refreshToken = `rt-${this.serial}`;
    this.issued.push(accessToken);
    this.refreshTokens.add(refreshToken);
    this.live.set(accessToken, this.clock.now + LIFETIME_S * 1000);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: LIFETIME_S, refresh_token: refreshToken };
  }

  private readonly apiAdapter: AxiosAdapter = (config) => {
    const id = String(config.url).split('/').pop() ?? '';
    this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
    const token = /^Bearer (\S+)$/.exec(String(AxiosHeaders.from(config.headers).get('Authorization') ?? ''))?.[1];
    const signal = config.signal as AbortSignal | undefined;
    return new Promise<AxiosResponse>((resolve, reject) => {
      const onAbort = () => reject(new CanceledError('aborted in flight', undefined, config));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.scheduler.schedule(Promise.resolve(), `api response ${id}`).then(() => {
        signal?.removeEventListener('abort', onAbort);
        const expiresAt = token === undefined ? undefined : this.live.get(token);
        if (expiresAt !== undefined && this.clock.now < expiresAt) return resolve(reply(config, 200, '{"ok":true}'));
        const response = reply(config, 401, '{"error":"invalid_token"}');
        reject(new AxiosError('Request failed with status code 401', AxiosError.ERR_BAD_REQUEST, config, {}, response));
      }, reject);
    });
  };
}

function reply(config: InternalAxiosRequestConfig, status: number, data: string): AxiosResponse {
  return { status, statusText: String(status), data, headers: { 'content-type': 'application/json' }, config, request: {} };
}

/**
 * Releases scheduled tasks one by one until none is left and a full turn of
 * the event loop (every microtask) has created no new one. Bounded.
 */
export async function drain(scheduler: fc.Scheduler, maxTasks = 5_000): Promise<void> {
  for (let released = 0; released < maxTasks; ) {
    if (scheduler.count() > 0) {
      await scheduler.waitNext(1);
      released++;
      continue;
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (scheduler.count() === 0) return;
  }
  throw new Error(`still busy after ${maxTasks} scheduled tasks`);
}
