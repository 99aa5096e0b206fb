/**
 * Per-request options of `attachAuth`, added to axios's own config type so
 * `axios.get(url, { skipAuth: true })` type-checks without a cast.
 *
 * `declare module 'axios'` augments whichever axios declaration file this
 * file resolves to: `index.d.cts` from CommonJS, `index.d.ts` from ESM. An
 * ESM consumer compiled against these CommonJS sources would see only the
 * first, so the same augmentation is repeated in an ESM-mode file and pulled
 * in type-only here (no runtime import).
 */
export type {} from './axios-augmentation-esm.mjs';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** `true`: `attachAuth` adds no credentials to this request and never replays it. */
    skipAuth?: boolean;
    /** `false`: a 401 on this request goes back to the caller without a refresh or replay. */
    retryOn401?: boolean;
  }
}
