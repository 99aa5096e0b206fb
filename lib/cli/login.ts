import { parseArgs } from 'node:util';
import { AuthManager } from '../auth/auth-manager';
import type { UserCodePrompt } from '../auth/options';
import { loadConfig } from '../config/load-config';
import { gatewaySection } from '../config/auth-options';
import { UsageError } from './args';

/** Where `login` and `logout` write: stdout for what the user must do, stderr for the rest. */
export interface LoginIo {
  out(line: string): void;
  err(line: string): void;
  signal?: AbortSignal;
}

/**
 * `axios-ws-auth login --config <file>`: authenticates with the config's grant
 * (device code: shows the code and URL, waits for the user) and keeps the
 * tokens in the config's `token_cache`, where every later run finds them.
 * Never prints a token.
 */
export async function login(args: string[], io: LoginIo): Promise<number> {
  const { auth, cache } = await managerFor(args, 'login', io);
  try {
    await auth.authenticate();
    io.err(`axios-ws-auth: logged in; tokens cached in ${cache}`);
    return 0;
  } catch (error) {
    io.err(`axios-ws-auth: login failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    auth.close();
  }
}

/** `axios-ws-auth logout --config <file>`: revokes the cached tokens at the server and removes them from the cache. */
export async function logout(args: string[], io: LoginIo): Promise<number> {
  const { auth, cache } = await managerFor(args, 'logout', io);
  try {
    const { revoked, failed } = await auth.revoke();
    for (const { tokenType, error } of failed) io.err(`axios-ws-auth: could not revoke the ${tokenType.replace('_', ' ')}: ${error.message}`);
    if (failed.some(({ error }) => error.retryable)) {
      io.err(`axios-ws-auth: logout incomplete; the tokens stay in ${cache} so that logout can be tried again`);
      return 1;
    }
    io.err(`axios-ws-auth: logged out (${revoked.length > 0 ? `revoked: ${revoked.join(', ')}` : 'nothing revoked'}); ${cache} no longer holds the tokens`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    auth.close();
  }
}

async function managerFor(args: string[], command: string, io: LoginIo): Promise<{ auth: AuthManager; cache: string }> {
  let config: string | undefined;
  try {
    config = parseArgs({ args, strict: true, allowPositionals: false, options: { config: { type: 'string' } } }).values.config;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (config === undefined) throw new UsageError(`${command} needs --config <file> (a gateway YAML with auth_type: jwt and a token_cache)`);
  const loaded = await loadConfig(config);
  const gateway = gatewaySection(loaded);
  if (gateway.authType !== 'jwt') throw new UsageError(`${command}: ${config} uses an API key (auth_type: internal); there is nothing to log in to`);
  if (gateway.tokenCache === undefined) throw new UsageError(`${command}: ${config} has no gateway.token_cache, so the tokens would be lost when this command ends`);
  const onUserCode = (prompt: UserCodePrompt) => io.out(describePrompt(prompt));
  const auth = AuthManager.fromConfig(loaded, { onUserCode, ...(io.signal && { signal: io.signal }), timeoutMs: 30_000 });
  return { auth, cache: printableCache(gateway.tokenCache) };
}

/** A token cache as it may be printed: a `redis://` URL without its password (or user), a file path as it is. */
function printableCache(cache: string): string {
  if (!/^rediss?:\/\//i.test(cache)) return cache;
  try {
    const url = new URL(cache);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return 'the Redis token cache';
  }
}

function describePrompt({ verificationUri, verificationUriComplete, userCode, expiresAt }: UserCodePrompt): string {
  const minutes = Math.max(1, Math.round((expiresAt - Date.now()) / 60_000));
  const direct = verificationUriComplete ? `\nOr open ${verificationUriComplete} (the code is filled in).` : '';
  return `To sign in, open ${verificationUri} and enter the code:\n\n    ${userCode}\n${direct}\nThe code expires in about ${minutes} minute${minutes === 1 ? '' : 's'}. Waiting…`;
}
