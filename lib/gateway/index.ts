export { GatewayClient, defaultGatewayPaths } from './gateway-client';
export type { GatewayClientOptions, GatewayHttp, GatewayPaths, GatewaySession, ConnectionReport } from './gateway-client';
