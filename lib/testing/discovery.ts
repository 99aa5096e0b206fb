import { ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from './client-auth';
import { DEVICE_CODE_GRANT_TYPE } from './device-flow';
import { DPOP_SIGNING_ALGORITHMS } from './dpop-proof';
import type { OAuthAnswer } from './oauth-answer';

/** The two metadata documents: OpenID Connect Discovery 1.0 §4, and RFC 8414 §3. */
export type DiscoveryDocument = 'openid-configuration' | 'oauth-authorization-server';

/** Where each document is served: an issuer without a path has them right under `/.well-known/`. */
export const DISCOVERY_PATHS: Readonly<Record<DiscoveryDocument, string>> = {
  'openid-configuration': '/.well-known/openid-configuration',
  'oauth-authorization-server': '/.well-known/oauth-authorization-server',
};

/** Options of the gateway's metadata documents. */
export interface DiscoveryOptions {
  /** The `issuer` announced. Default the gateway's `baseUrl`; anything else makes a client's issuer check fail. */
  issuer?: string;
  /** Documents not served (404), e.g. to make a client fall back from one to the other. */
  omit?: DiscoveryDocument[];
}

/** Counts kept by the metadata documents. */
export interface DiscoveryStats {
  /** Every request for either document, failed and omitted ones included. */
  requests: number;
  byDocument: Record<DiscoveryDocument, number>;
  /** Answered 503 because of `failDiscovery()`. */
  failed: number;
  /** Answered 404 because the document is omitted. */
  notFound: number;
}

/** The URLs the metadata announces. */
export interface DiscoveryEndpoints {
  baseUrl: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  deviceAuthorizationEndpoint: string;
}

/** The gateway's authorization server metadata, and the faults a test injects into it. */
export class Discovery {
  private failures = 0;
  private readonly counts: DiscoveryStats = { requests: 0, byDocument: { 'openid-configuration': 0, 'oauth-authorization-server': 0 }, failed: 0, notFound: 0 };

  constructor(
    private readonly options: DiscoveryOptions,
    /** Read per request: the port is known only once the server listens. */
    private readonly endpoints: () => DiscoveryEndpoints,
  ) {}

  /** The issuer announced. */
  issuer(): string {
    return this.options.issuer ?? this.endpoints().baseUrl;
  }

  /** Which document a path names, if any. */
  document(pathname: string): DiscoveryDocument | undefined {
    const found = Object.entries(DISCOVERY_PATHS).find(([, path]) => path === pathname);
    return found?.[0] as DiscoveryDocument | undefined;
  }

  /** A GET of `document`: the metadata, or an injected 503, or 404 if omitted. */
  answer(document: DiscoveryDocument): OAuthAnswer {
    this.counts.requests++;
    this.counts.byDocument[document]++;
    if (this.failures > 0) {
      this.failures--;
      this.counts.failed++;
      return { status: 503, json: { error: 'temporarily_unavailable' } };
    }
    if (this.options.omit?.includes(document)) {
      this.counts.notFound++;
      return { status: 404, json: { error: 'not_found' } };
    }
    return { status: 200, json: this.metadata() };
  }

  /** The next `count` discovery requests answer 503. */
  failNext(count: number): void {
    this.failures = count;
  }

  /** RFC 8414 §2 metadata; both documents carry the same (no ID tokens are issued here). */
  metadata(): Record<string, unknown> {
    const { tokenEndpoint, revocationEndpoint, deviceAuthorizationEndpoint } = this.endpoints();
    return {
      issuer: this.issuer(),
      token_endpoint: tokenEndpoint,
      revocation_endpoint: revocationEndpoint,
      device_authorization_endpoint: deviceAuthorizationEndpoint,
      grant_types_supported: ['password', 'client_credentials', 'refresh_token', DEVICE_CODE_GRANT_TYPE],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS.client_secret_jwt, ...ASSERTION_ALGORITHMS.private_key_jwt],
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS.client_secret_jwt, ...ASSERTION_ALGORITHMS.private_key_jwt],
      dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGORITHMS],
    };
  }

  stats(): DiscoveryStats {
    return { ...this.counts, byDocument: { ...this.counts.byDocument } };
  }
}
