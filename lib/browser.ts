/**
 * The browser entry (the `browser` condition of the package's exports): what
 * runs in a page, with no Node built-in. `FileTokenStore`, `./redis`,
 * `./testing`, the YAML config and the CLI stay Node-only. `SessionChannel`
 * runs on the native WebSocket there: the token goes by subprotocol or query.
 */
export { AuthManager } from './auth/auth-manager';
export type { AuthManagerEvents, TokenEvent, RefreshFailedEvent, UnauthorizedEvent } from './auth/events';
export type { AuthManagerOptions, CommonAuthOptions, PasswordGrantOptions, ClientCredentialsGrantOptions, DeviceCodeGrantOptions, ApiKeyOptions, CustomGrantOptions, Logger } from './auth/options';
export type { ClientAuthMethod, DpopKeyOptions, JsonWebKeyInput, KeyObjectLike, OAuthClientOptions, SigningKey, UserCodePrompt } from './auth/options';
export type { RequestTarget } from './auth/header-cache';
export type { RevocationResult, RevokedTokenType } from './auth/revocation';
export type { AuthMetrics } from './auth/metrics';
export type { TokenSource } from './auth/token-source';
export type { TokenResponse, TokenSet } from './auth/token-set';
export { MemoryTokenStore } from './auth/token-store';
export type { TokenStore, LockInfo } from './auth/token-store';
export { BrowserTokenStore } from './stores/browser-token-store';
export type { BrowserTokenStoreOptions } from './stores/browser-token-store';
export type { EncryptionKey, CryptoKeyLike } from './stores/sealed';
export { AuthError, TokenRequestError, ConfigError, ChannelClosedError, QueueFullError, ErrorCodes, isAxiosWsAuthError } from './errors';
export type { AuthErrorCode, AuthErrorOptions, TokenRequestErrorOptions } from './errors';
// The same modules as lib/index.ts, so the browser types carry the axios augmentation (skipAuth, retryOn401) too.
export * from './http';
export { SessionChannel, defaultClassifyClose, CloseCodes, renewalMessage } from './ws';
export type {
  SessionChannelOptions,
  SessionChannelEvents,
  ChannelAuth,
  ChannelState,
  ChannelCloseEvent,
  ReconnectingEvent,
  ReconnectOptions,
  OutgoingMessage,
  IncomingMessage,
  WebSocketConstructor,
  ClassifyClose,
  CloseDecision,
  CloseOutcome,
  DelayedReconnect,
  TokenTransport,
  RenewalMessage,
} from './ws';
export * from './gateway';
