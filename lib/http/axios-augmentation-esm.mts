/**
 * The ESM twin of `axios-augmentation.ts`: in an `.mts` file, `'axios'`
 * resolves to axios's ESM declarations (`index.d.ts`), so ESM and bundler
 * consumers see the same per-request options as CommonJS ones.
 */
// Loads axios's ESM declarations into the program, so the augmentation has a target.
import type {} from 'axios';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** `true`: `attachAuth` adds no credentials to this request and never replays it. */
    skipAuth?: boolean;
    /** `false`: a 401 on this request goes back to the caller without a refresh or replay. */
    retryOn401?: boolean;
  }
}

export {};
