/**
 * `axios-ws-auth/redis`: a token store shared by processes and machines
 * through Redis. Needs `ioredis` 5 or 6 (an optional peer dependency).
 */
export { RedisTokenStore } from './stores/redis-token-store';
export type { RedisTokenStoreOptions } from './stores/redis-token-store';
export type { LockInfo, TokenStore } from './auth/token-store';
