/** The DPoP proof algorithms accepted, and announced as `dpop_signing_alg_values_supported` (RFC 9449 §5.1). */
export const DPOP_SIGNING_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];
