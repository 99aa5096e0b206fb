import { originOf } from './request-origin';

/** Where our hook keeps the user's own `beforeRedirect`, so a replay (which copies the config) is not wrapped twice. */
const USER_HOOK = Symbol('axios-ws-auth:user-before-redirect');

/** What follow-redirects hands to `beforeRedirect` (Node only; browsers follow redirects themselves). */
interface RedirectOptions {
  href?: unknown;
  headers?: Record<string, unknown>;
}

type Hook = ((options: RedirectOptions, ...rest: unknown[]) => void) & { [USER_HOOK]?: unknown };

/**
 * Keeps the credentials a request carries from following a redirect to an
 * origin that may not have them: follow-redirects drops only `Authorization`
 * and `Cookie`, and keeps even those for a subdomain; an API-key header it
 * would hand to anyone. The user's own `beforeRedirect` still runs after.
 */
export function guardRedirects(config: { beforeRedirect?: unknown }, headerNames: readonly string[], allowed: (origin: string) => boolean): void {
  const existing = config.beforeRedirect as Hook | undefined;
  const userHook = existing !== undefined && USER_HOOK in existing ? existing[USER_HOOK] : existing;
  const guard: Hook = (options, ...rest) => {
    const origin = typeof options.href === 'string' ? originOf(options.href) : undefined;
    if ((origin === undefined || !allowed(origin)) && options.headers) {
      const names = new Set(headerNames.map((name) => name.toLowerCase()));
      for (const name of Object.keys(options.headers)) if (names.has(name.toLowerCase())) delete options.headers[name];
    }
    if (typeof userHook === 'function') (userHook as Hook)(options, ...rest);
  };
  guard[USER_HOOK] = userHook;
  config.beforeRedirect = guard;
}
