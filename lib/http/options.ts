import type { AxiosError } from 'axios';
import { invalidOption, type ConfigError } from '../errors';
import type { AttachAuthOptions } from './types';

/** `AttachAuthOptions`, validated once at attach time. */
export interface AttachSettings {
  retryOn401: boolean;
  maxRetries: number;
  /** Fixed allow-list; `undefined` means "the origin of the instance's current baseURL". */
  origins: ReadonlySet<string> | undefined;
  isUnauthorized: (error: AxiosError) => boolean;
}

const KNOWN_OPTIONS = new Set(['retryOn401', 'maxRetries', 'origins', 'isUnauthorized']);

/** Checks every option; a bad one throws a `ConfigError` whose `key` names it. */
export function normalizeAttachOptions(options: AttachAuthOptions | undefined, baseURL: unknown): AttachSettings {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') throw invalid('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw invalid(key, 'is not an option of attachAuth (retryOn401, maxRetries, origins, isUnauthorized)');
  }
  const { retryOn401 = true, maxRetries = 1, origins, isUnauthorized = isStatus401 } = options;
  if (typeof retryOn401 !== 'boolean') throw invalid('retryOn401', 'must be a boolean');
  if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
    throw invalid('maxRetries', 'must be a non-negative integer');
  }
  if (typeof isUnauthorized !== 'function') throw invalid('isUnauthorized', 'must be a function (error) => boolean');
  if (origins === undefined && (typeof baseURL !== 'string' || baseURL === '')) {
    // Without either, there is no safe answer to "who may see the token?".
    throw invalid('origins', 'is required when the instance has no baseURL: list the origins that may receive credentials');
  }
  return { retryOn401, maxRetries, isUnauthorized, origins: origins === undefined ? undefined : parseOrigins(origins) };
}

function parseOrigins(origins: unknown): ReadonlySet<string> {
  if (!Array.isArray(origins) || origins.length === 0) throw invalid('origins', 'must be a non-empty array of http(s) origins');
  const parsed = new Set<string>();
  origins.forEach((entry: unknown, index) => {
    let url: URL | undefined;
    try {
      url = typeof entry === 'string' ? new URL(entry) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw invalid(`origins[${index}]`, 'must be an absolute http(s) URL such as https://api.example.com');
    }
    parsed.add(url.origin);
  });
  return parsed;
}

function isStatus401(error: AxiosError): boolean {
  return error.response?.status === 401;
}

function invalid(key: string, problem: string): ConfigError {
  return invalidOption('attachAuth', key, problem);
}
