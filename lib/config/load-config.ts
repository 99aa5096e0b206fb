import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, safeCause } from '../errors';
import { parseConfig } from './parse-config';
import { MAX_CONFIG_BYTES } from './yaml-document';
import type { GatewayConfig } from './types';

/** Options of `loadConfig()`. */
export interface LoadConfigOptions {
  /** Variables for `${NAME}`. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads and parses a gateway YAML file (see `parseConfig`). A relative
 * `token_cache` is resolved against the file's directory. An unreadable file
 * is a `ConfigError` too.
 */
export async function loadConfig(filePath: string, options: LoadConfigOptions = {}): Promise<GatewayConfig> {
  let text: string;
  try {
    const { size } = await fs.stat(filePath);
    if (size > MAX_CONFIG_BYTES) throw new ConfigError(`config file ${filePath} is larger than ${MAX_CONFIG_BYTES} bytes; a gateway config is a few lines`, { code: 'CONFIG_INVALID' });
    text = await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? safeCause(error).message})`;
    throw new ConfigError(`config file ${filePath} ${problem}`, { cause: safeCause(error) });
  }
  return parseConfig(text, { sourceName: filePath, baseDir: path.dirname(path.resolve(filePath)), ...(options.env && { env: options.env }) });
}
