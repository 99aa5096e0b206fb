import { ConfigError } from '../errors';

/** `$${` escapes a literal `${`; `${NAME}` and `${NAME:-default}` read the environment. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_STYLE = /^[A-Z_][A-Z0-9_]*$/;

/** Where a value came from, for error messages that name it without showing it. */
export interface ValueSite {
  key: string;
  line: number | undefined;
  describe(problem: string): string;
}

/**
 * Replaces `${NAME}` with the variable's value and `${NAME:-fallback}` with
 * the fallback when it is unset or empty. `$${NAME}` stays literally `${NAME}`.
 * A missing variable, an unclosed `${` or a bad name is a `ConfigError`
 * naming the variable and the key, never the value.
 */
export function interpolate(text: string, env: Record<string, string | undefined>, site: ValueSite): string {
  return text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) throw fail(site, 'has a "${" without a closing "}" (write "$${" for a literal "${")');
    const separator = inner.indexOf(':-');
    const name = separator === -1 ? inner : inner.slice(0, separator);
    // The text between the braces may be part of a secret (a literal "${" in a password): never quote it.
    if (!NAME.test(name)) throw fail(site, 'has a "${…}" that is not a valid variable name (write "$${" for a literal "${")');
    const value = env[name];
    if (separator !== -1) return value === undefined || value === '' ? inner.slice(separator + 2) : value;
    // A conventional variable name (CAPITALS) is named; anything else may be a secret that happens to look like one.
    if (value === undefined) throw fail(site, ENV_STYLE.test(name) ? `refers to the environment variable ${name}, which is not set` : 'refers to an environment variable that is not set');
    return value;
  });
}

function fail(site: ValueSite, problem: string): ConfigError {
  return new ConfigError(site.describe(problem), { key: site.key, ...(site.line !== undefined && { line: site.line }) });
}
