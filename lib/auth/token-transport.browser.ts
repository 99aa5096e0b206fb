/**
 * How token requests travel in a browser: fetch, told not to follow redirects
 * (`redirect: 'manual'` in the endpoint's options), unless the user made a
 * function adapter (a mock) axios's default.
 */
export function tokenTransport(defaultAdapter: unknown): Record<string, unknown> {
  return { adapter: typeof defaultAdapter === 'function' ? defaultAdapter : 'fetch' };
}
