import type { JWK } from 'jose';

/** The harness's registered clients (config.mjs); ids are fixed so tests may spell them. */
export type HarnessClientId = 'basic-client' | 'post-client' | 'jwt-key-client' | 'jwt-secret-client' | 'device-client' | 'dpop-client';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'client_secret_jwt' | 'none';

export interface HarnessClient {
  clientId: HarnessClientId;
  /** Absent for private_key_jwt (uses `privateJwk`) and the public device-client. */
  clientSecret?: string;
  authMethod: ClientAuthMethod;
  grantTypes: string[];
  /** dpop_bound_access_tokens: every token request of the client must carry a DPoP proof. */
  dpopBound: boolean;
}

/** The one JSON line provider.mjs prints on stdout when its three servers listen. */
export interface OidcReady {
  /** http://127.0.0.1:<port>, no trailing slash; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The DPoP-protected API: GET /me, POST /echo. */
  apiUrl: string;
  /** The child's control server (stats, reject-current, rotate-nonce, reset-stats). */
  controlUrl: string;
  /** The API's resource indicator and the `aud` of its access tokens: 'urn:test:api'. */
  resource: string;
  /** The API's scope: 'api:read'. */
  scope: string;
  /** The `interval` the device authorization response carries (the harness adds it: 1). */
  deviceIntervalS: number;
  clients: Record<HarnessClientId, HarnessClient>;
  /** jwt-key-client's private ES256 key (kid and alg set), fresh per run. */
  privateJwk: JWK & { kid: string; alg: 'ES256' };
}

export interface TokenRequestRecord {
  at: number;
  grantType: string;
  clientId?: string;
  /** How the request authenticated, read from the request (client_assertion covers both *_jwt methods). */
  authMethod: 'client_assertion' | 'client_secret_basic' | 'client_secret_post' | 'none';
  dpop: boolean;
  resource?: string | string[];
  scope?: string;
  status: number;
  error?: string;
}

export interface RevocationRecord {
  at: number;
  clientId?: string;
  /** The token_type_hint sent, '(none)' without one. */
  hint: string;
  found: boolean;
  kind?: 'AccessToken' | 'ClientCredentials' | 'RefreshToken';
  status: number;
  error?: string;
}

export interface ProviderStats {
  /** Per grant_type ('(none)' when absent). nonceChallenges are the 400 use_dpop_nonce answers, not in errors. */
  token: Record<string, { requests: number; ok: number; nonceChallenges: number; errors: Record<string, number> }>;
  /** The last 500 token requests, oldest first. */
  tokenLog: TokenRequestRecord[];
  revocation: {
    requests: number;
    ok: number;
    found: number;
    notFound: number;
    byHint: Record<string, { requests: number; found: number }>;
    errors: Record<string, number>;
    log: RevocationRecord[];
  };
  deviceAuthorization: { requests: number; ok: number; errors: Record<string, number> };
  /** tooFast: polls of one device_code less than the announced interval apart. */
  devicePolls: { polls: number; tooFast: number; intervalS: number };
}

/** Refusal reasons of the API, as counted in `refusals` and recorded in `log`. */
export type ApiRefusalReason =
  | 'no_authorization' | 'malformed_authorization' | 'not_dpop_scheme'
  | 'missing_proof' | 'multiple_proofs' | 'bad_proof' | 'private_key_in_proof' | 'htm_mismatch' | 'htu_mismatch'
  | 'iat_out_of_window' | 'missing_jti' | 'ath_mismatch' | 'replayed_proof' | 'key_mismatch'
  | 'expired_token' | 'bad_token' | 'rejected_token' | 'not_dpop_bound';

export interface ApiStats {
  /** Requests to GET /me and POST /echo (preflights and unknown paths not counted). */
  requests: number;
  accepted: number;
  /** 401 use_dpop_nonce answers (not in refusals). */
  nonceChallenges: number;
  refusals: Partial<Record<ApiRefusalReason, number>>;
  log: { at: number; method: string; path: string; status: number; reason?: ApiRefusalReason | 'nonce' | 'bad_request' }[];
  /** The API's current DPoP nonce. */
  nonce: string;
}

export interface OidcStats {
  provider: ProviderStats;
  api: ApiStats;
}

/** Where the end user is sent: verification_uri_complete, or verification_uri plus the user_code typed in. */
export type DeviceTarget = string | { verificationUri: string; userCode: string };

export interface OidcProvider extends OidcReady {
  stats(): Promise<OidcStats>;
  /** Zeroes the provider's and the API's counters and logs. */
  resetStats(): Promise<void>;
  /** The API refuses (401 invalid_token) every access token it has been shown so far; resolves to how many it refuses. */
  rejectCurrentTokens(): Promise<number>;
  /**
   * A new API nonce. Plain: proofs with the old one get 401 use_dpop_nonce. `graceful`: proofs with
   * the old one still pass until the next rotation, and their answers carry `DPoP-Nonce: <new>`.
   */
  rotateApiNonce(options?: { graceful?: boolean }): Promise<string>;
  /** Confirms the code, logs in as `login` (default 'device-user') and consents, on the provider's own pages. */
  approveDevice(target: DeviceTarget, options?: { login?: string }): Promise<void>;
  /** Aborts on the confirmation page: the device's next poll gets access_denied. */
  denyDevice(target: DeviceTarget): Promise<void>;
  /** Kills the child (SIGTERM, SIGKILL after 3 s) by its pid and waits for its exit. */
  close(): Promise<void>;
}
