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
export type { TokenAuthorityOptions, TokenStats } from './token-authority';
export { mockTokenEndpoint } from './mock-token-endpoint';
export type { MockTokenEndpoint, MockTokenEndpointOptions, MockAdapterLike, MockReply, MockReplyCallback } from './mock-token-endpoint';
