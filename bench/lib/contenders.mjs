// The five ways a user could put a token on axios requests, each built the
// way its documentation recommends, all against the same server, with the
// same bounded socket pool and the same credentials.
import http from 'node:http';
import { createRequire } from 'node:module';
import axios from 'axios';
import { createAuthRefreshInterceptor } from 'axios-auth-refresh';

const require = createRequire(import.meta.url);
const axiosJwt = require('axios-jwt');
const library = loadLibrary();

const CLIENT_ID = 'benchmark-client';
const USERNAME = 'user@example.com';
const PASSWORD = 'password';

/** The built package, by its public name (npm run build first). */
function loadLibrary() {
  try {
    return require('axios-ws-auth');
  } catch (error) {
    return { loadError: error };
  }
}

/** Why axios-ws-auth cannot run (build missing, attachAuth not exported yet), or undefined. */
export function libraryUnavailable() {
  if (library.loadError) return `dist not built: ${library.loadError.message}`;
  if (typeof library.AuthManager !== 'function') return 'AuthManager not exported';
  if (typeof library.attachAuth !== 'function') return 'attachAuth not exported';
  return undefined;
}

/** Why SessionChannel cannot run, or undefined. */
export function channelUnavailable() {
  if (library.loadError) return `dist not built: ${library.loadError.message}`;
  if (typeof library.SessionChannel !== 'function') return 'SessionChannel not exported';
  return undefined;
}

export { library };

/** One socket pool per contender: bounded, so a 10 000-request storm queues in the agent instead of opening 10 000 sockets. */
function newAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/**
 * The token endpoint as a user of the peers would call it: a plain axios
 * instance of its own, keeping the current pair (rotation: a new refresh token
 * replaces the old, none keeps it).
 */
function tokenClient(tokenUrl) {
  const agent = newAgent(16);
  const client = axios.create({ timeout: 30_000, httpAgent: agent });
  const current = { access: '', refresh: '' };
  const request = async (params) => {
    const form = new URLSearchParams({ client_id: CLIENT_ID, ...params });
    const { data } = await client.post(tokenUrl, form.toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    current.access = data.access_token;
    current.refresh = data.refresh_token ?? params.refresh_token ?? current.refresh;
    return data;
  };
  return {
    current,
    login: () => request({ grant_type: 'password', username: USERNAME, password: PASSWORD }),
    refresh: (refreshToken = current.refresh) => request({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    close: () => agent.destroy(),
  };
}

/** What every peer contender has: a socket pool, a token client, an instance, and closing them. */
function peerParts({ origin, tokenUrl, maxSockets }) {
  const agent = newAgent(maxSockets);
  const tokens = tokenClient(tokenUrl);
  const instance = newInstance(origin, agent);
  const close = () => {
    tokens.close();
    agent.destroy();
  };
  return { tokens, instance, close };
}

function newInstance(origin, agent) {
  return axios.create({ baseURL: origin, timeout: 60_000, httpAgent: agent });
}

/** Baseline: a token fetched once and set as a default header; nothing happens on 401. */
function bare(options) {
  const { tokens, instance, close } = peerParts(options);
  return {
    instance,
    async login() {
      const body = await tokens.login();
      instance.defaults.headers.common.Authorization = `Bearer ${body.access_token}`;
    },
    close,
  };
}

/** What many apps hand-write: inject the token; on 401, refresh and retry once. */
function naive(options) {
  const { tokens, instance, close } = peerParts(options);
  instance.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${tokens.current.access}`;
    return config;
  });
  instance.interceptors.response.use(undefined, async (error) => {
    const config = error.config;
    if (error.response?.status !== 401 || !config || config.naiveRetried) throw error;
    config.naiveRetried = true;
    await tokens.refresh();
    return instance(config);
  });
  return { instance, login: tokens.login, close };
}

/** axios-auth-refresh 5.0.2 as its README shows it: a request interceptor reading the current token, default options. */
function axiosAuthRefresh(options) {
  const { tokens, instance, close } = peerParts(options);
  const refreshAuthLogic = async (failedRequest) => {
    await tokens.refresh();
    failedRequest.response.config.headers.Authorization = `Bearer ${tokens.current.access}`;
  };
  createAuthRefreshInterceptor(instance, refreshAuthLogic);
  instance.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${tokens.current.access}`;
    return config;
  });
  return { instance, login: tokens.login, close };
}

/** axios-jwt 4.0.3 as its README shows it, with an in-memory storage (its StorageType interface). */
function axiosJwtContender(options) {
  const { tokens, instance, close } = peerParts(options);
  const memory = new Map();
  const storage = {
    get: async (key) => memory.get(key) ?? null,
    set: async (key, value) => void memory.set(key, value),
    remove: async (key) => void memory.delete(key),
  };
  const requestRefresh = async (refreshToken) => {
    const body = await tokens.refresh(refreshToken);
    return { accessToken: body.access_token, refreshToken: body.refresh_token ?? refreshToken };
  };
  // axios-jwt keeps its storage and in-flight refresh in module globals: one live instance at a time.
  axiosJwt.applyAuthTokenInterceptor(instance, { requestRefresh, getStorage: () => storage });
  return {
    instance,
    async login() {
      const body = await tokens.login();
      await axiosJwt.setAuthTokens({ accessToken: body.access_token, refreshToken: body.refresh_token });
    },
    close,
  };
}

/** This library: one AuthManager, attachAuth on the instance. */
function axiosWsAuth({ origin, tokenUrl, maxSockets }) {
  const agent = newAgent(maxSockets);
  const instance = newInstance(origin, agent);
  const auth = new library.AuthManager({ grant: 'password', tokenUrl, clientId: CLIENT_ID, username: USERNAME, password: PASSWORD });
  const detach = library.attachAuth(instance, auth);
  return {
    instance,
    auth,
    async login() {
      await auth.getAccessToken();
    },
    close() {
      detach();
      auth.close();
      agent.destroy();
    },
  };
}

/** Every contender, in table order. `create` returns `{ instance, login(), close(), auth? }`. */
export const contenders = [
  { id: 'bare', label: 'bare axios (static token)', create: bare, refreshes: false },
  { id: 'naive', label: 'naive interceptor', create: naive, refreshes: true },
  { id: 'axios-auth-refresh', label: 'axios-auth-refresh 5.0.2', create: axiosAuthRefresh, refreshes: true },
  { id: 'axios-jwt', label: 'axios-jwt 4.0.3', create: axiosJwtContender, refreshes: true },
  { id: 'axios-ws-auth', label: 'axios-ws-auth', create: axiosWsAuth, refreshes: true, unavailable: libraryUnavailable },
];
