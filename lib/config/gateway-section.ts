import { ConfigError } from '../errors';
import type { GatewayConfig, GatewaySection } from './types';

/** The `gateway` section of what `loadConfig()` returns, or the section itself; a `ConfigError` for anything else. */
export function gatewaySection(config: GatewayConfig | GatewaySection): GatewaySection {
  const candidate: unknown = config !== null && typeof config === 'object' && 'gateway' in config ? config.gateway : config;
  const authType = (candidate as { authType?: unknown } | null)?.authType;
  if (authType !== 'jwt' && authType !== 'internal') {
    throw new ConfigError('expected what loadConfig() returns, or its gateway section (with authType jwt or internal)', { key: 'gateway.auth_type' });
  }
  return candidate as GatewaySection;
}
