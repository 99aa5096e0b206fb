// Whoever reads a config may hand it to AuthManager.fromConfig: the reader it needs comes with it.
import './auth-options';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors';
import { interpolate } from './interpolate';
import type { AuthType, GatewayConfig, GatewaySection, JwtConfig, JwtGrantType } from './types';
import { YamlSource, type Section } from './yaml-document';

/** Options of `parseConfig()`. */
export interface ParseConfigOptions {
  /** Variables for `${NAME}`. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Named in error messages. Default `config`. */
  sourceName?: string;
  /** A relative `token_cache` path is resolved against it. Default the working directory. */
  baseDir?: string;
}

const AUTH_TYPES: readonly AuthType[] = ['jwt', 'internal'];
const GRANT_TYPES: readonly JwtGrantType[] = ['password', 'client_credentials', 'device_code'];
const GATEWAY_KEYS = ['auth_type', 'jwt', 'base_url', 'ws_url', 'api_key', 'api_key_header', 'token_cache'] as const;
const JWT_KEYS = ['auth_url', 'issuer', 'username', 'password', 'client_id', 'client_secret', 'grant_type', 'scope', 'resource', 'audience'] as const;

/**
 * Parses the gateway YAML (the original `gateway: auth_type / jwt:` shape and
 * its extensions) into a normalized, camelCase `GatewayConfig`. Keys outside
 * `gateway:` are left alone; unknown keys inside it are reported in
 * `warnings`. Errors are `ConfigError`s naming the key path and the line.
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): GatewayConfig {
  const reader = new Reader(new YamlSource(text, options.sourceName ?? 'config'), options.env ?? process.env);
  const gateway = reader.source.section(reader.source.root(), 'gateway');
  if (!gateway.map) throw reader.error(gateway.key, gateway.line, 'is missing: the file needs a "gateway:" section');
  const warnings = unknownKeyWarnings(reader.source, gateway, GATEWAY_KEYS);

  const authType = reader.oneOf(gateway, 'auth_type', AUTH_TYPES, undefined);
  const common = {
    ...optional('baseUrl', reader.url(gateway, 'base_url', ['http:', 'https:'])),
    ...optional('wsUrl', reader.url(gateway, 'ws_url', ['ws:', 'wss:'])),
    ...optional('tokenCache', readTokenCache(reader, gateway, options.baseDir)),
  };

  let section: GatewaySection;
  if (authType === 'internal') {
    const apiKey = reader.string(gateway, 'api_key');
    if (apiKey === undefined) throw reader.error('gateway.api_key', gateway.line, 'is required when auth_type is internal');
    section = { authType, apiKey, ...optional('apiKeyHeader', reader.string(gateway, 'api_key_header')), ...common };
  } else {
    const jwt = reader.source.section(gateway, 'jwt');
    if (!jwt.map) throw reader.error(jwt.key, gateway.line, 'is required when auth_type is jwt');
    warnings.push(...unknownKeyWarnings(reader.source, jwt, JWT_KEYS));
    section = { authType, jwt: readJwt(reader, jwt), ...common };
  }
  return { gateway: section, source: reader.source.source, warnings };
}

function readJwt(reader: Reader, jwt: Section): JwtConfig {
  const authUrl = reader.url(jwt, 'auth_url', ['http:', 'https:']);
  const issuer = reader.url(jwt, 'issuer', ['http:', 'https:']);
  if (authUrl === undefined && issuer === undefined) throw reader.error('gateway.jwt.auth_url', jwt.line, 'is required (the token endpoint URL), or issuer (to discover it)');
  const clientId = reader.string(jwt, 'client_id');
  if (clientId === undefined) throw reader.error('gateway.jwt.client_id', jwt.line, 'is required');
  const grantType = reader.oneOf(jwt, 'grant_type', GRANT_TYPES, 'password');
  const clientSecret = reader.string(jwt, 'client_secret');
  const scope = reader.string(jwt, 'scope');
  const base = {
    clientId,
    ...optional('authUrl', authUrl),
    ...optional('issuer', issuer),
    ...optional('scope', scope),
    ...optional('resource', reader.string(jwt, 'resource')),
    ...optional('audience', reader.string(jwt, 'audience')),
  };
  if (grantType === 'device_code') return { grantType, ...base, ...optional('clientSecret', clientSecret) };
  if (grantType === 'client_credentials') {
    if (clientSecret === undefined) throw reader.error('gateway.jwt.client_secret', jwt.line, 'is required when grant_type is client_credentials');
    return { grantType, ...base, clientSecret };
  }
  const username = reader.string(jwt, 'username');
  if (username === undefined) throw reader.error('gateway.jwt.username', jwt.line, 'is required when grant_type is password');
  const password = reader.string(jwt, 'password');
  if (password === undefined) throw reader.error('gateway.jwt.password', jwt.line, 'is required when grant_type is password');
  return { grantType, ...base, ...optional('clientSecret', clientSecret), username, password };
}

/** Typed reads with `${VAR}` interpolation; every failure names the key and line, never a value. */
class Reader {
  constructor(
    readonly source: YamlSource,
    private readonly env: Record<string, string | undefined>,
  ) {}

  error(key: string, line: number | undefined, problem: string): ConfigError {
    return new ConfigError(`${this.source.where(line)}${key} ${problem}`, { key, ...(line !== undefined && { line }) });
  }

  /** A string value, interpolated; an empty string counts as absent (`client_secret: ""`). */
  string(section: Section, name: string): string | undefined {
    const { key, value, line } = this.source.scalar(section, name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw this.error(key, line, `must be a string (got a ${typeof value}; quote the value)`);
    }
    const text = interpolate(value, this.env, { key, line, describe: (problem) => `${this.source.where(line)}${key} ${problem}` });
    return text === '' ? undefined : text;
  }

  url(section: Section, name: string, protocols: readonly string[]): string | undefined {
    const value = this.string(section, name);
    if (value === undefined) return undefined;
    const { key, line } = this.source.scalar(section, name);
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    // The value is not quoted back: a URL may carry credentials.
    if (!parsed || !protocols.includes(parsed.protocol)) throw this.error(key, line, `must be an absolute ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
    return value;
  }

  oneOf<T extends string>(section: Section, name: string, allowed: readonly T[], fallback: T | undefined): T {
    const { key, line } = this.source.scalar(section, name);
    const value = this.string(section, name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.error(key, line, `is required (allowed values: ${allowed.join(', ')})`);
    }
    const normalized = value.toLowerCase();
    const match = allowed.find((candidate) => candidate === normalized);
    if (match === undefined) {
      // The value is not quoted back: a misplaced line may hold a secret.
      throw this.error(key, line, `is not one of the allowed values: ${allowed.join(', ')}`);
    }
    return match;
  }
}

/** One warning per unknown key of `section`, with a "did you mean" when a known key is a typo away. */
function unknownKeyWarnings(source: YamlSource, section: Section, known: readonly string[]): string[] {
  return source.unknownKeys(section, known).map(({ key, line }) => {
    const name = key.slice(key.lastIndexOf('.') + 1);
    const guess = known.find((candidate) => editDistance(name.toLowerCase(), candidate) <= 2);
    const hint = guess === undefined ? `known: ${known.join(', ')}` : `did you mean ${guess}?`;
    return `${source.where(line)}${key} is not a known key; it was ignored (${hint})`;
  });
}

/** Levenshtein distance, for typo hints (keys are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, n) => n);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** `token_cache`: a `redis://` / `rediss://` URL as given (checked, never quoted: it may hold the password), else a file path. */
function readTokenCache(reader: Reader, gateway: Section, baseDir: string | undefined): string | undefined {
  const value = reader.string(gateway, 'token_cache');
  if (value !== undefined && /^rediss?:/i.test(value)) return reader.url(gateway, 'token_cache', ['redis:', 'rediss:']);
  return resolveCachePath(value, baseDir);
}

function resolveCachePath(value: string | undefined, baseDir: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const expanded = value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
  return path.resolve(baseDir ?? process.cwd(), expanded);
}

/** `{ [name]: value }` when the value is defined, else `{}` (keeps absent keys absent). */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
