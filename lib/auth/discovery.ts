import { TokenRequestError } from '../errors';
import { jsonOf, type OAuthHttp } from './oauth-http';

/** What a client takes from an authorization server's metadata (RFC 8414 §2, OIDC Discovery §3). */
export interface ServerMetadata {
  issuer: string;
  tokenUrl: string;
  revocationUrl?: string;
  deviceAuthorizationUrl?: string;
  /** `token_endpoint_auth_methods_supported`; absent means the RFC 8414 default, `client_secret_basic`. */
  authMethods?: readonly string[];
  /** `dpop_signing_alg_values_supported`. */
  dpopAlgs?: readonly string[];
}

/**
 * Reads the issuer's metadata once per manager: the OpenID Connect document
 * first, then RFC 8414's. The answer's `issuer` must be the configured one,
 * character for character (RFC 8414 §3.3: else anyone who can answer that URL
 * could name another server's endpoints). A failure is not cached: it is a
 * retryable `DISCOVERY_FAILED`, paced by the manager's backoff like any other.
 */
export class Discovery {
  private metadata: ServerMetadata | undefined;
  private pending: Promise<ServerMetadata> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly http: OAuthHttp,
  ) {}

  resolve(): Promise<ServerMetadata> {
    if (this.metadata) return Promise.resolve(this.metadata);
    this.pending ??= this.fetch().then(
      (metadata) => ((this.metadata = metadata), (this.pending = undefined), metadata),
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  private async fetch(): Promise<ServerMetadata> {
    const problems: string[] = [];
    for (const url of wellKnownUrls(this.issuer)) {
      const answer = await this.http.send({ method: 'GET', url, headers: { Accept: 'application/json' }, what: 'discovery', failureCode: 'DISCOVERY_FAILED' });
      const path = new URL(url).pathname;
      if (answer.status < 200 || answer.status >= 300) {
        problems.push(`${path} answered HTTP ${answer.status}`);
        continue;
      }
      const document = jsonOf(answer.text);
      const problem = typeof document === 'object' && document !== null && !Array.isArray(document) ? undefined : 'is not a JSON object';
      const metadata = problem === undefined ? readMetadata(document as Record<string, unknown>, this.issuer) : problem;
      if (typeof metadata !== 'string') return metadata;
      problems.push(`${path} ${metadata}`);
    }
    throw new TokenRequestError(`discovery failed for issuer ${this.issuer}: ${problems.join('; ')}`, { code: 'DISCOVERY_FAILED', retryable: true });
  }
}

/** OIDC appends to the issuer's path; RFC 8414 puts the well-known part before it. */
export function wellKnownUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
}

/** The metadata, or what is wrong with it. */
function readMetadata(document: Record<string, unknown>, issuer: string): ServerMetadata | string {
  if (document['issuer'] !== issuer) {
    // Issuers are public names: both are shown, since the usual culprit is one trailing slash.
    return typeof document['issuer'] === 'string' ? `names the issuer ${JSON.stringify(document['issuer'].slice(0, 200))}, not ${JSON.stringify(issuer)} (they must match exactly)` : 'has no issuer';
  }
  const secure = new URL(issuer).protocol === 'https:';
  const endpoint = (name: string): string | undefined | false => {
    const value = document[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > 2048) return false;
    try {
      const { protocol } = new URL(value);
      return protocol === 'https:' || (protocol === 'http:' && !secure) ? value : false;
    } catch {
      return false;
    }
  };
  const names = { tokenUrl: 'token_endpoint', revocationUrl: 'revocation_endpoint', deviceAuthorizationUrl: 'device_authorization_endpoint' } as const;
  const found: Partial<Record<keyof typeof names, string>> = {};
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) {
    const value = endpoint(name);
    if (value === false) return `has an invalid ${name}${secure ? ' (an https issuer needs https endpoints)' : ''}`;
    if (value !== undefined) found[key] = value;
  }
  if (found.tokenUrl === undefined) return 'has no token_endpoint';
  const authMethods = stringList(document['token_endpoint_auth_methods_supported']);
  const dpopAlgs = stringList(document['dpop_signing_alg_values_supported']);
  return { issuer, tokenUrl: found.tokenUrl, ...found, ...(authMethods && { authMethods }), ...(dpopAlgs && { dpopAlgs }) };
}

function stringList(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string').slice(0, 64) : undefined;
}
