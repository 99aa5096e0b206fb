import { originOf } from './request-origin';

/** Where our hook keeps the user's own `beforeRedirect`, so a replay (which copies the config) is not wrapped twice. */
const USER_HOOK = Symbol('axios-ws-auth:user-before-redirect');

/** What follow-redirects hands to `beforeRedirect` (Node only; browsers follow redirects themselves). */
interface RedirectOptions {
  href?: unknown;
  headers?: Record<string, unknown>;
}

export type Hook = ((options: RedirectOptions, ...rest: unknown[]) => void) & { [USER_HOOK]?: unknown };

/**
 * A `beforeRedirect` hook that keeps credentials from following a redirect to
 * an origin that may not have them: follow-redirects drops only
 * `Authorization` and `Cookie`, and keeps even those for a subdomain; an
 * API-key header it would hand to anyone. One hook serves every request of an
 * instance; `headerNames()` is read when a redirect happens.
 */
export function redirectGuard(headerNames: () => readonly string[], allowed: (origin: string) => boolean): Hook {
  return (options) => {
    const origin = typeof options.href === 'string' ? originOf(options.href) : undefined;
    if ((origin === undefined || !allowed(origin)) && options.headers) {
      const names = new Set(headerNames().map((name) => name.toLowerCase()));
      for (const name of Object.keys(options.headers)) if (names.has(name.toLowerCase())) delete options.headers[name];
    }
  };
}

/**
 * Installs `guard` as the request's `beforeRedirect`; a user's own hook is
 * kept and runs after it (wrapped once, even across replays, which copy the config).
 */
export function guardRedirects(config: { beforeRedirect?: unknown }, guard: Hook): void {
  const existing = config.beforeRedirect as Hook | undefined;
  if (existing === undefined || existing === guard) {
    config.beforeRedirect = guard;
    return;
  }
  const userHook = USER_HOOK in existing ? existing[USER_HOOK] : existing;
  const wrapped: Hook = (options, ...rest) => {
    guard(options, ...rest);
    if (typeof userHook === 'function') (userHook as Hook)(options, ...rest);
  };
  wrapped[USER_HOOK] = userHook;
  config.beforeRedirect = wrapped;
}
