export { GatewayClient, defaultGatewayPaths } from './gateway-client';
export type { GatewayClientOptions, GatewayPaths, GatewaySession, ConnectionReport } from './gateway-client';
