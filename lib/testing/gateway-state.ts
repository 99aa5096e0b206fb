import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { DiscoveryStats } from './discovery';
import type { TokenAuthority, TokenStats } from './token-authority';

/** Who a request or connection authenticated as. */
export interface Credential {
  kind: 'bearer' | 'api_key';
  /** The presented token or key; kept only in memory, never reported. */
  secret: string;
  subject: string;
  /** Epoch ms; absent for API keys, which do not expire. */
  expiresAt: number | undefined;
  /** The DPoP key a bound token was proven with (RFC 9449), when it was. */
  jkt?: string;
}

/** Why a presented credential was refused (`missing`: none was presented). */
export type Refusal = 'missing' | 'expired' | 'unknown';

export type AuthOutcome = { ok: true; credential: Credential } | { ok: false; refusal: Refusal };

/** Per-session counters, also served by the metrics endpoint. */
export interface SessionStats {
  sessionId: string;
  owner: string;
  createdAt: number;
  messagesIn: number;
  messagesOut: number;
  /** WebSocket connections accepted for this session so far. */
  connections: number;
  forbidden: boolean;
}

/** Everything the test gateway counted since it started. */
export interface TestGatewayStats {
  token: TokenStats;
  http: {
    requests: number;
    /** Route name (`createSession`, `sessionMetrics`, `health`, `token`, `revoke`, `deviceAuthorization`, `deviceVerification`, `discovery`, `file`, `notFound`) → requests. */
    byRoute: Record<string, number>;
    /** HTTP status → responses (the token endpoint included). */
    byStatus: Record<string, number>;
  };
  ws: {
    /** Connections open right now. */
    open: number;
    opened: number;
    /**
     * Close code → connections: the code the server sent (counted when it
     * starts the close), else the client's (counted when the socket closes);
     * 1006 = dropped without a close frame.
     */
    closed: Record<string, number>;
    /** HTTP status of refused upgrades → count. */
    rejectedUpgrades: Record<string, number>;
    messagesReceived: number;
    messagesSent: number;
    /** In-band `{type:'auth'}` renewals accepted. */
    renewals: number;
  };
  /** HTTP requests, upgrades and in-band renewals that carried an expired access token. */
  expiredTokenRequests: number;
  sessionsCreated: number;
  /** The metadata documents under `/.well-known/`. */
  discovery: DiscoveryStats;
}

function bump(counts: Record<string, number>, key: string | number): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The test gateway's shared state: credentials, sessions and counters. */
export class GatewayState {
  private readonly sessions = new Map<string, SessionStats & { seq: number }>();
  private readonly counts = {
    http: { requests: 0, byRoute: {} as Record<string, number>, byStatus: {} as Record<string, number> },
    ws: { opened: 0, closed: {} as Record<string, number>, rejectedUpgrades: {} as Record<string, number>, messagesReceived: 0, messagesSent: 0, renewals: 0 },
    expiredTokenRequests: 0,
    sessionsCreated: 0,
  };
  /** Connections open right now; maintained by the WebSocket side. */
  openConnections = 0;

  constructor(
    readonly authority: TokenAuthority,
    private readonly apiKeys: Record<string, string>,
    private readonly apiKeyHeader: string,
  ) {}

  /** Bearer header first, then the API-key header, then `fallbackToken` (query or subprotocol, WebSocket only). */
  authenticate(headers: IncomingHttpHeaders, fallbackToken?: string): AuthOutcome {
    const authorization = headers.authorization;
    if (authorization !== undefined && /^bearer /i.test(authorization)) return this.check(authorization.slice(7).trim());
    const key = headers[this.apiKeyHeader];
    if (typeof key === 'string') return this.check(key);
    if (fallbackToken !== undefined) return this.check(fallbackToken);
    return { ok: false, refusal: 'missing' };
  }

  /** Checks a token or API key, counting an expired access token. */
  check(token: string): AuthOutcome {
    const apiKeySubject = Object.hasOwn(this.apiKeys, token) ? this.apiKeys[token] : undefined;
    if (apiKeySubject !== undefined) return { ok: true, credential: { kind: 'api_key', secret: token, subject: apiKeySubject, expiresAt: undefined } };
    const known = this.authority.inspect(token);
    if (!known) return { ok: false, refusal: 'unknown' };
    if (known.state === 'expired') {
      this.counts.expiredTokenRequests++;
      return { ok: false, refusal: 'expired' };
    }
    return { ok: true, credential: { kind: 'bearer', secret: token, subject: known.subject, expiresAt: known.expiresAt } };
  }

  /** Is this credential's access token still alive? (API keys always are.) */
  isAlive(credential: Credential): boolean {
    return credential.kind === 'api_key' || this.authority.check(credential.secret) === 'valid';
  }

  createSession(owner: string): SessionStats {
    const session = { sessionId: `s_${randomBytes(8).toString('hex')}`, owner, createdAt: Date.now(), messagesIn: 0, messagesOut: 0, connections: 0, forbidden: false, seq: 0 };
    this.sessions.set(session.sessionId, session);
    this.counts.sessionsCreated++;
    return { ...session };
  }

  /**
   * The session a subject asks for: `forbidden` when someone else owns it or
   * it was forbidden by the test; an unknown id is adopted by `adoptAs`.
   */
  access(sessionId: string, subject: string, adoptAs?: string): 'ok' | 'forbidden' | 'unknown' {
    let session = this.sessions.get(sessionId);
    if (!session && adoptAs !== undefined) {
      session = { sessionId, owner: adoptAs, createdAt: Date.now(), messagesIn: 0, messagesOut: 0, connections: 0, forbidden: false, seq: 0 };
      this.sessions.set(sessionId, session);
    }
    if (!session) return 'unknown';
    return session.forbidden || session.owner !== subject ? 'forbidden' : 'ok';
  }

  /** Counts an incoming message and returns the session's next sequence number. */
  nextSequence(sessionId: string): number {
    this.counts.ws.messagesReceived++;
    const session = this.sessions.get(sessionId);
    if (!session) return 0;
    session.messagesIn++;
    return ++session.seq;
  }

  countSent(sessionId: string): void {
    this.counts.ws.messagesSent++;
    const session = this.sessions.get(sessionId);
    if (session) session.messagesOut++;
  }

  forbid(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.forbidden = true;
  }

  session(sessionId: string): SessionStats | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) return undefined;
    const { sessionId: id, owner, createdAt, messagesIn, messagesOut, connections, forbidden } = session;
    return { sessionId: id, owner, createdAt, messagesIn, messagesOut, connections, forbidden };
  }

  countHttp(route: string, status: number): void {
    this.counts.http.requests++;
    bump(this.counts.http.byRoute, route);
    bump(this.counts.http.byStatus, status);
  }

  countUpgradeRejected(status: number): void {
    bump(this.counts.ws.rejectedUpgrades, status);
  }

  countOpened(sessionId: string): void {
    this.counts.ws.opened++;
    this.openConnections++;
    const session = this.sessions.get(sessionId);
    if (session) session.connections++;
  }

  countClosed(code: number): void {
    this.openConnections--;
    bump(this.counts.ws.closed, code);
  }

  countRenewal(): void {
    this.counts.ws.renewals++;
  }

  /** Every counter but the metadata documents' (the gateway adds those). */
  stats(): Omit<TestGatewayStats, 'discovery'> {
    const { http, ws } = this.counts;
    return {
      token: this.authority.stats(),
      http: { requests: http.requests, byRoute: { ...http.byRoute }, byStatus: { ...http.byStatus } },
      ws: { ...ws, open: this.openConnections, closed: { ...ws.closed }, rejectedUpgrades: { ...ws.rejectedUpgrades } },
      expiredTokenRequests: this.counts.expiredTokenRequests,
      sessionsCreated: this.counts.sessionsCreated,
    };
  }
}
