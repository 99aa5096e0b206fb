import { randomBytes, randomInt } from 'node:crypto';

/** The `grant_type` a device polls the token endpoint with (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Options of the device authorization grant. */
export interface DeviceGrantOptions {
  /** The polling interval announced, seconds; 0 lets a test poll at once. Default 5. */
  intervalSeconds?: number;
  /** How long a device code lives, seconds. Default 600. */
  expiresInSeconds?: number;
}

/** What a poll of the token endpoint was answered (`issued`: tokens). */
export type DevicePollAnswer = 'authorization_pending' | 'slow_down' | 'expired_token' | 'access_denied' | 'invalid_grant' | 'issued';

/** Counts kept by the device authorization grant. */
export interface DeviceStats {
  /** Device authorization requests answered with codes. */
  authorizations: number;
  /** `approveDevice()` / `denyDevice()` calls that found a pending code. */
  approved: number;
  denied: number;
  /** Token endpoint polls, by answer. */
  polls: Record<DevicePollAnswer, number>;
}

interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  intervalMs: number;
  lastPollAt: number | undefined;
  state: 'pending' | 'approved' | 'denied' | 'used';
  subject: string | undefined;
}

/** RFC 8628 §6.1: no vowels (no words), no look-alike digits. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** RFC 8628 §3.5: each slow_down adds this to the interval. */
const SLOW_DOWN_STEP_MS = 5_000;
/** A poll this early is still on time: timers and clocks disagree by a few ms. */
const POLL_SLACK_MS = 50;

const zeroStats = (): DeviceStats => ({ authorizations: 0, approved: 0, denied: 0, polls: { authorization_pending: 0, slow_down: 0, expired_token: 0, access_denied: 0, invalid_grant: 0, issued: 0 } });

/**
 * The device authorization grant's state (RFC 8628): codes handed out, the
 * user's verdict on each (given by the test), and the polling discipline.
 */
export class DeviceFlow {
  private readonly byDeviceCode = new Map<string, DeviceAuthorization>();
  private readonly byUserCode = new Map<string, DeviceAuthorization>();
  private forcedSlowDowns = 0;
  private counts = zeroStats();
  private readonly intervalSeconds: number;
  private readonly expiresInSeconds: number;

  constructor(options: DeviceGrantOptions = {}) {
    this.intervalSeconds = options.intervalSeconds ?? 5;
    this.expiresInSeconds = options.expiresInSeconds ?? 600;
  }

  /** New codes for `clientId`: the device authorization endpoint's 200 body (RFC 8628 §3.2). */
  authorize(clientId: string, verificationUri: string): Record<string, unknown> {
    const deviceCode = randomBytes(24).toString('base64url');
    const userCode = newUserCode();
    const authorization: DeviceAuthorization = { deviceCode, userCode, clientId, expiresAt: Date.now() + this.expiresInSeconds * 1000, intervalMs: this.intervalSeconds * 1000, lastPollAt: undefined, state: 'pending', subject: undefined };
    this.byDeviceCode.set(deviceCode, authorization);
    this.byUserCode.set(normalize(userCode), authorization);
    this.counts.authorizations++;
    const complete = new URL(verificationUri);
    complete.searchParams.set('user_code', userCode);
    return { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri, verification_uri_complete: complete.href, expires_in: this.expiresInSeconds, interval: this.intervalSeconds };
  }

  /**
   * One poll (RFC 8628 §3.5). A forced slow_down (`slowDownNext`) leaves the
   * enforced interval alone, so a test stays fast; a real one, for a poll
   * sooner than the interval after the previous poll, raises it by 5 s.
   */
  poll(deviceCode: string, clientId: string): { answer: DevicePollAnswer; subject?: string } {
    const answer = this.judgePoll(deviceCode, clientId);
    this.counts.polls[answer.answer]++;
    return answer;
  }

  /** The user approves the code (as `subject`); false if no pending code matches. */
  approve(userCode: string, subject: string): boolean {
    const authorization = this.pending(userCode);
    if (!authorization) return false;
    authorization.state = 'approved';
    authorization.subject = subject;
    this.counts.approved++;
    return true;
  }

  /** The user refuses the code; false if no pending code matches. */
  deny(userCode: string): boolean {
    const authorization = this.pending(userCode);
    if (!authorization) return false;
    authorization.state = 'denied';
    this.counts.denied++;
    return true;
  }

  /** Every code handed out so far expires now. */
  expireAll(): void {
    for (const authorization of this.byDeviceCode.values()) authorization.expiresAt = 0;
  }

  /** The next `count` polls answer slow_down, whatever their timing. */
  slowDownNext(count: number): void {
    this.forcedSlowDowns = count;
  }

  stats(): DeviceStats {
    return { ...this.counts, polls: { ...this.counts.polls } };
  }

  reset(): void {
    this.byDeviceCode.clear();
    this.byUserCode.clear();
    this.forcedSlowDowns = 0;
    this.counts = zeroStats();
  }

  private judgePoll(deviceCode: string, clientId: string): { answer: DevicePollAnswer; subject?: string } {
    const authorization = this.byDeviceCode.get(deviceCode);
    if (!authorization || authorization.clientId !== clientId || authorization.state === 'used') return { answer: 'invalid_grant' };
    const now = Date.now();
    if (now >= authorization.expiresAt) return { answer: 'expired_token' };
    const previous = authorization.lastPollAt;
    authorization.lastPollAt = now;
    if (this.forcedSlowDowns > 0) {
      this.forcedSlowDowns--;
      return { answer: 'slow_down' };
    }
    if (previous !== undefined && now - previous < authorization.intervalMs - POLL_SLACK_MS) {
      authorization.intervalMs += SLOW_DOWN_STEP_MS;
      return { answer: 'slow_down' };
    }
    if (authorization.state === 'denied') return { answer: 'access_denied' };
    if (authorization.state === 'pending') return { answer: 'authorization_pending' };
    authorization.state = 'used';
    return { answer: 'issued', subject: authorization.subject ?? '' };
  }

  private pending(userCode: string): DeviceAuthorization | undefined {
    const authorization = this.byUserCode.get(normalize(userCode));
    return authorization?.state === 'pending' && Date.now() < authorization.expiresAt ? authorization : undefined;
  }
}

/** Eight letters as `XXXX-XXXX` (RFC 8628 §6.1: about 34 bits, easy to type). */
function newUserCode(): string {
  const letters = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** A typed user code: case and dashes do not matter (RFC 8628 §6.1). */
function normalize(userCode: string): string {
  return userCode.toUpperCase().replace(/[^A-Z]/g, '');
}
