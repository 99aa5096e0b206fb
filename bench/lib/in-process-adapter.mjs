// An axios adapter that answers at once, without I/O: what is left to measure
// is axios itself and the interceptors.

/** An axios adapter that never touches the network; 401 when the interceptor left no token. */
export function inProcessAdapter(config) {
  const authorization = config.headers?.get?.('Authorization') ?? config.headers?.Authorization;
  const ok = typeof authorization === 'string' && authorization.startsWith('Bearer ') && authorization.length > 7;
  const response = { data: ok ? { ok: true } : { error: 'invalid_token' }, status: ok ? 200 : 401, statusText: ok ? 'OK' : 'Unauthorized', headers: {}, config, request: {} };
  if (ok) return Promise.resolve(response);
  const error = new Error('Request failed with status code 401');
  Object.assign(error, { isAxiosError: true, config, response });
  return Promise.reject(error);
}
