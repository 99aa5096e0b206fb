import type { AuthManagerOptions, ConfigOverrides } from './options';

/** What `fromConfig` takes: what `loadConfig()` returns (`{ gateway }`), or its gateway section (`{ authType }`). */
export type AuthConfigInput = { readonly gateway: object } | { readonly authType: string };

/** Turns a config into options; installed by the config module, so that `auth/` never imports it. */
type ConfigReader = (config: AuthConfigInput, overrides?: ConfigOverrides) => AuthManagerOptions;
let configReader: ConfigReader | undefined;

/** The installed reader, if the config module was loaded. */
export function readConfig(config: AuthConfigInput, overrides?: ConfigOverrides): AuthManagerOptions | undefined {
  return configReader?.(config, overrides);
}

/** @internal Called once by `config/`: the one module that knows the YAML's shape. */
export function installConfigReader(reader: ConfigReader): void {
  configReader = reader;
}
