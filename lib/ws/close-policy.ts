/**
 * How a channel reacts to a close frame or a failed upgrade. The defaults
 * follow RFC 6455 and the gateway's 44xx/45xx convention: 4xxx below 4500 are
 * transient, save 4401 (refresh the token) and 4403 (forbidden: final), and
 * 4500 and up are the server's final word.
 */
import { CloseCodes } from './protocol';

/** What to do after a close: end quietly, reconnect with backoff, refresh the token first, or end with an error. */
export type CloseOutcome = 'done' | 'reconnect' | 'refresh' | 'fatal';

/** An outcome with a floor for the next delay (a server asking clients to slow down). */
export interface DelayedReconnect {
  outcome: 'reconnect';
  minDelayMs: number;
}

/** What a `ClassifyClose` function may return. */
export type CloseDecision = CloseOutcome | DelayedReconnect;

/**
 * Classifies a close. `detail` is the close reason (a string) for a close
 * frame, or the HTTP status (a number) when the upgrade was answered without
 * switching protocols; `code` is then 1006, as in browsers.
 */
export type ClassifyClose = (code: number, detail: string | number) => CloseDecision;

/** How long the default policy waits after 4429 or HTTP 429 before trying again. */
export const RATE_LIMITED_DELAY_MS = 30_000;

/** Codes that a reconnect would only repeat: the client sent something the server cannot take. */
const PROTOCOL_FAULTS = new Set([1002, 1003, 1007, 1009, 1010, 1015]);

/** The default policy (docs/gateway-protocol.md); replace it with the `classifyClose` option. */
export function defaultClassifyClose(code: number, detail: string | number): CloseDecision {
  if (typeof detail === 'number') return classifyUpgradeStatus(detail);
  if (code === CloseCodes.RATE_LIMITED) return { outcome: 'reconnect', minDelayMs: RATE_LIMITED_DELAY_MS };
  if (code === 1000) return 'done';
  if (code === CloseCodes.TOKEN_EXPIRED || code === 1008) return 'refresh';
  if (code === CloseCodes.FORBIDDEN) return 'fatal';
  if (code >= 4500 && code <= 4999) return 'fatal';
  if (PROTOCOL_FAULTS.has(code)) return 'fatal';
  // 1001, 1005, 1006, 1011–1014, 4000–4499 and anything unknown: the peer or the path went away.
  return 'reconnect';
}

function classifyUpgradeStatus(status: number): CloseDecision {
  if (status === 401) return 'refresh';
  if (status === 429) return { outcome: 'reconnect', minDelayMs: RATE_LIMITED_DELAY_MS };
  if (status === 408 || status >= 500) return 'reconnect';
  // 403, 404 and other 4xx: the same request will get the same answer.
  return 'fatal';
}

/** Splits a decision into its outcome and delay floor. */
export function normalizeDecision(decision: CloseDecision): { outcome: CloseOutcome; minDelayMs: number } {
  return typeof decision === 'string' ? { outcome: decision, minDelayMs: 0 } : { outcome: decision.outcome, minDelayMs: decision.minDelayMs };
}

/**
 * What the policy says of one drop, and the cause to name in events and
 * errors (`close 1006 (connect ECONNREFUSED …)`: the socket's own error says
 * why a drop had no close frame). A policy that throws ends the channel: the
 * error is returned as `policyError`.
 */
export function classifyDrop(
  drop: { code: number; reason: string; httpStatus: number | undefined; error: Error | undefined },
  classify: ClassifyClose,
): { outcome: CloseOutcome; minDelayMs: number; cause: string } | { policyError: unknown; cause: string } {
  const { code, reason, httpStatus, error } = drop;
  const cause = httpStatus !== undefined ? `http ${httpStatus}` : error ? `close ${code} (${error.message})` : `close ${code}`;
  try {
    return { ...normalizeDecision(classify(code, httpStatus ?? reason)), cause };
  } catch (policyError) {
    return { policyError, cause };
  }
}
