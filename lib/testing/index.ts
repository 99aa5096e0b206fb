/**
 * `axios-ws-auth/testing`: jest fixtures. A real gateway + token server on
 * loopback (`startTestGateway`), the token side alone (`TokenAuthority`), and a
 * token endpoint for axios-mock-adapter users (`mockTokenEndpoint`).
 */
export { startTestGateway } from './test-gateway';
export type { TestGateway, TestGatewayOptions } from './test-gateway';
export type { TestGatewayStats, SessionStats } from './gateway-state';
export type { TestGatewayPaths } from './routes';
export { defaultPaths } from './routes';
export { TOKEN_SUBPROTOCOLS, CLOSE_TOKEN_EXPIRED, CLOSE_FORBIDDEN } from './ws-streams';
export { TokenAuthority } from './token-authority';
export { StreamControls } from './stream-controls';
export type { StreamConnection } from './stream-controls';
export { startTokenServer } from './token-server';
export { FaultTokenServer, startFaultTokenServer, SLOW_ANSWER_MS, LATE_TOKEN } from './fault-token-server';
export type { TokenFault } from './fault-token-server';
export type { TokenServer, TokenServerOptions } from './token-server';
export type { TokenAuthorityOptions, TokenStats, EndpointContext } from './token-authority';
export type { TokenCheck } from './token-store';
export { mockTokenEndpoint } from './mock-token-endpoint';
export type { MockTokenEndpoint, MockTokenEndpointOptions, MockAdapterLike, MockReply, MockReplyCallback } from './mock-token-endpoint';
export { DISCOVERY_PATHS } from './discovery';
export type { DiscoveryDocument, DiscoveryOptions, DiscoveryStats } from './discovery';
export { DPOP_SIGNING_ALGORITHMS, DPOP_IAT_LEEWAY_SECONDS } from './dpop-proof';
export type { DpopOptions, DpopStats, DpopRefusal, DpopVerifier } from './dpop-proof';
export { DEVICE_CODE_GRANT_TYPE } from './device-flow';
export type { DeviceGrantOptions, DeviceStats, DevicePollAnswer } from './device-flow';
export type { RevocationStats } from './revocation';
export type { GrantParams } from './grant-params';
export type { GrantCounts } from './token-grants';
export { CLIENT_ASSERTION_TYPE, CLIENT_AUTH_METHODS, MAX_ASSERTION_LIFETIME_SECONDS } from './client-auth';
export type { ClientAuthMethod, ClientAuthStats } from './client-auth';
