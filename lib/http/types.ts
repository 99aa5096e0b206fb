import type { AxiosError } from 'axios';
import type { TokenSource } from '../auth/token-source';

/**
 * What `attachAuth` calls of a `TokenSource`: it never asks for a bare token
 * nor listens for new ones, so a fake with these methods is enough.
 */
export type AuthSource = Pick<TokenSource, 'getAuthHeaders' | 'handleUnauthorized' | 'currentAuthHeaders' | 'tokenAccepted' | 'rememberDpopNonce'>;

/**
 * The request-config fields `attachAuth` reads. Every field is `unknown` on
 * purpose: any axios 1.x config type (CommonJS or ESM declarations, old or
 * new) fits, and the values are checked at run time.
 */
export interface AuthRequestConfig {
  url?: unknown;
  method?: unknown;
  baseURL?: unknown;
  allowAbsoluteUrls?: unknown;
  headers?: unknown;
  signal?: unknown;
  data?: unknown;
  skipAuth?: unknown;
  retryOn401?: unknown;
  beforeRedirect?: unknown;
}

/**
 * The parts of an axios instance that `attachAuth` uses, written as a
 * structural type rather than axios's `AxiosInstance`: axios ships two
 * declaration files (`index.d.cts`, `index.d.ts`) whose `AxiosInstance` types
 * are distinct, and a parameter typed with one rejects the other. This shape
 * accepts both, and the default `axios` export, without casts.
 */
export interface AxiosInstanceLike<C extends AuthRequestConfig, R extends ResponseLike = ResponseLike> {
  defaults: { baseURL?: unknown };
  interceptors: {
    request: {
      use(onFulfilled: (config: C) => C | Promise<C>): number;
      eject(id: number): void;
    };
    response: {
      use(onFulfilled: (response: R) => R | Promise<R>, onRejected: (error: unknown) => Promise<unknown>): number;
      eject(id: number): void;
    };
  };
  // Not `C`: the config type is inferred from the interceptors alone (axios's
  // `request` takes the wider AxiosRequestConfig); method syntax keeps it assignable.
  request(config: AuthRequestConfig): Promise<unknown>;
}

/** Options of `attachAuth`. */
export interface AttachAuthOptions {
  /** Refresh and replay a request that got 401. Per request, `{ retryOn401 }` wins. Default `true`. */
  retryOn401?: boolean;
  /** Replays per request after a 401 (a non-negative integer). Default 1. */
  maxRetries?: number;
  /**
   * Only requests to these origins (`https://api.example.com`) get
   * credentials. Default: the origin of `instance.defaults.baseURL`, read at
   * each request. Required when the instance has no `baseURL`.
   */
  origins?: readonly string[];
  /** Does this error mean "the token was refused"? Default: HTTP status 401. */
  isUnauthorized?: (error: AxiosError) => boolean;
}

/** The part of an axios response `attachAuth` reads: which request it answers. */
export interface ResponseLike {
  config: unknown;
}

/** Removes the interceptors `attachAuth` installed. Calling it again does nothing. */
export type DetachAuth = () => void;
