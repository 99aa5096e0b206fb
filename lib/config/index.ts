/** The gateway YAML config: `loadConfig`, `parseConfig`, and `authOptionsFromConfig` for `AuthManager`. */
export { parseConfig } from './parse-config';
export type { ParseConfigOptions } from './parse-config';
export { loadConfig } from './load-config';
export type { LoadConfigOptions } from './load-config';
export { authOptionsFromConfig } from './auth-options';
export type {
  GatewayConfig,
  GatewaySection,
  JwtGatewaySection,
  InternalGatewaySection,
  JwtConfig,
  PasswordJwtConfig,
  ClientCredentialsJwtConfig,
  AuthType,
  JwtGrantType,
} from './types';
