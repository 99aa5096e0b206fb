export { SessionChannel } from './session-channel';
export type {
  SessionChannelOptions,
  SessionChannelEvents,
  ChannelAuth,
  ChannelState,
  ChannelCloseEvent,
  ReconnectingEvent,
  OutgoingMessage,
  IncomingMessage,
  WebSocketConstructor,
} from './options';
export type { ReconnectOptions } from './backoff';
export { backoffCeiling, fullJitterDelay, DEFAULT_RECONNECT } from './backoff';
export { defaultClassifyClose, RATE_LIMITED_DELAY_MS } from './close-policy';
export type { ClassifyClose, CloseDecision, CloseOutcome, DelayedReconnect } from './close-policy';
export type { TokenTransport } from './token-transport';
export { CloseCodes, TOKEN_SUBPROTOCOL, TOKEN_QUERY_PARAMETER, renewalMessage } from './protocol';
export type { RenewalMessage } from './protocol';
