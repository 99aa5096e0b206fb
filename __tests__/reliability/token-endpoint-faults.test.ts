import { AuthError, TokenRequestError } from '../../lib';
import { ChannelClosedError } from '../../lib/errors';
import { LATE_TOKEN, type TokenFault } from '../../lib/testing/fault-token-server';
import { receivedFrom, startRig, type Rig } from '../helpers/reliability-rig';
import { settleAllWithin } from '../helpers/settle';
import { waitFor } from '../helpers/ws-fixture';

/**
 * Faults at the token endpoint, end to end: one AuthManager serves an axios
 * instance (attachAuth) and three SessionChannels; the access tokens expire
 * at the server, so HTTP answers 401 and the gateway closes streams with 4401
 * while the refresh meets the fault. Every caller is counted.
 */
const CHANNELS = 3;
const REQUESTS = 60;
const MESSAGES = 4;

describe('token endpoint faults, end to end through attachAuth and SessionChannel', () => {
  let rig: Rig;
  afterEach(() => rig.close());

  /** Tokens expire at the server; once the gateway has dropped every stream (4401), messages are queued and the HTTP storm starts. */
  async function expireAndStorm(label: string) {
    rig.api.authority.expireAccessTokens();
    await waitFor(() => rig.channels.every((entry) => entry.reconnects.length > 0 || entry.channel.state === 'closed'), 'streams dropped with 4401');
    const sends = rig.sendOnEach(MESSAGES, label);
    const outcomes = await rig.storm(REQUESTS, label);
    return { outcomes, sends };
  }

  /** Every channel is open on a connection accepted after the fault, and its queued messages arrived once, in order. */
  async function expectChannelsRecovered(label: string, sends: Array<Promise<void>>) {
    await waitFor(() => rig.channels.every((entry) => entry.channel.state === 'open') && rig.gateway.streams.openConnections().length === CHANNELS, 'channels back');
    const sent = await settleAllWithin(sends, 10_000, 'queued sends');
    expect(sent.filter((outcome) => outcome.ok)).toHaveLength(CHANNELS * MESSAGES);
    await waitFor(() => rig.gateway.streams.received.length >= CHANNELS * MESSAGES, 'queued messages at the gateway');
    for (let ch = 0; ch < CHANNELS; ch++) expect(receivedFrom(rig.gateway, label, ch)).toEqual([0, 1, 2, 3]);
  }

  const retryable: Array<[TokenFault, Record<string, unknown>]> = [
    ['status-503', { code: 'TOKEN_REQUEST_FAILED', status: 503 }],
    ['html-502', { code: 'TOKEN_REQUEST_FAILED', status: 502, oauthError: undefined }],
    ['html-200', { code: 'INVALID_TOKEN_RESPONSE' }],
    ['truncated-json', { code: 'INVALID_TOKEN_RESPONSE' }],
    ['reset-mid-response', { code: 'TOKEN_ENDPOINT_UNREACHABLE' }],
    ['no-answer', { code: 'TOKEN_REQUEST_TIMEOUT' }],
    ['slow', { code: 'TOKEN_REQUEST_TIMEOUT' }],
  ];

  it.each(retryable)('%s: the session is kept, every caller gets the same retryable TokenRequestError, no hot loop, then one refresh recovers all', async (fault, expected) => {
    rig = await startRig();
    await rig.openChannels(CHANNELS);
    const before = rig.api.authority.stats().grants;
    rig.tokens.inject(fault, 1);
    const requestsBefore = rig.tokens.requests;

    const { outcomes, sends } = await expireAndStorm('during');
    expect(outcomes).toHaveLength(REQUESTS);
    const errors = outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error));
    expect(errors[0]).toBeInstanceOf(TokenRequestError);
    expect(errors[0]).toMatchObject({ retryable: true, ...expected });
    // One flight failed; everyone who asked during it or during the backoff got its error.
    expect(new Set(errors).size).toBe(1);
    expect(rig.tokens.requests - requestsBefore).toBe(1);

    // The channels keep trying, but the manager's backoff holds: no token request while the clock stands still.
    await waitFor(() => rig.channels.every((entry) => entry.reconnects.filter((event) => event.reason === 'token unavailable').length >= 2), 'channels backing off');
    expect(rig.tokens.requests - requestsBefore).toBe(1);
    expect(rig.channels.every((entry) => entry.ends.length === 0)).toBe(true);

    rig.clock.now += 1_001;
    await expectChannelsRecovered('during', sends);
    const after = await rig.storm(REQUESTS, 'after');
    expect(after.map((outcome) => outcome.ok && outcome.value.status)).toEqual(Array(REQUESTS).fill(200));
    // Recovery took one refresh with the kept refresh token: no new password grant.
    expect(rig.tokens.requests - requestsBefore).toBe(2);
    expect(rig.api.authority.stats().grants).toEqual({ ...before, refresh_token: before.refresh_token + 1 });
    expect(rig.tokens.maxConcurrent).toBe(1);
    expect(rig.auth.metrics()).toMatchObject({ refreshFailures: 1, fallbacks: 0 });
    expect(rig.api.seen.some((request) => request.token === LATE_TOKEN)).toBe(false);
  });

  it('refresh token revoked: one fallback to the password grant, every request and channel goes on', async () => {
    rig = await startRig();
    await rig.openChannels(CHANNELS);
    const before = rig.api.authority.stats().grants;
    rig.api.authority.revokeRefreshTokens();
    const requestsBefore = rig.tokens.requests;

    const { outcomes, sends } = await expireAndStorm('revoked');
    expect(outcomes.map((outcome) => outcome.ok && outcome.value.status)).toEqual(Array(REQUESTS).fill(200));
    await expectChannelsRecovered('revoked', sends);
    // The rejected refresh grant, then one password grant, for everyone.
    expect(rig.tokens.requests - requestsBefore).toBe(2);
    expect(rig.api.authority.stats().grants).toEqual({ ...before, password: before.password + 1 });
    expect(rig.auth.metrics()).toMatchObject({ fallbacks: 1, refreshFailures: 0 });
  });

  it('refresh token revoked and the full authentication refused: one error event, every waiter gets the same AuthError, channels end with authFailed', async () => {
    rig = await startRig();
    await rig.openChannels(CHANNELS);
    const errorEvents: AuthError[] = [];
    rig.auth.on('error', (error) => errorEvents.push(error));
    rig.api.authority.revokeRefreshTokens();
    rig.api.authority.failTokenRequests(2, 401); // the refresh grant (refused: fallback), then the password grant
    const requestsBefore = rig.tokens.requests;

    const { outcomes, sends } = await expireAndStorm('refused');
    const errors = outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error));
    expect(errors[0]).toBeInstanceOf(AuthError);
    expect(errors[0]).toMatchObject({ retryable: false });
    expect(new Set(errors).size).toBe(1);
    expect(errorEvents).toEqual([errors[0]]);

    await waitFor(() => rig.channels.every((entry) => entry.channel.state === 'closed'), 'channels ended');
    for (const entry of rig.channels) {
      expect(entry.ends.map((end) => end.event)).toEqual(['authFailed', 'close']);
    }
    const sent = await settleAllWithin(sends, 5_000, 'queued sends');
    expect(sent.every((outcome) => !outcome.ok && outcome.error instanceof ChannelClosedError)).toBe(true);
    expect(rig.tokens.requests - requestsBefore).toBe(2);

    // Later calls may try again once the backoff has passed (the server accepts the password again).
    rig.clock.now += 1_001;
    const later = await rig.storm(5, 'later');
    expect(later.map((outcome) => outcome.ok && outcome.value.status)).toEqual([200, 200, 200, 200, 200]);
    expect(rig.tokens.requests - requestsBefore).toBe(3);
  });

  it('token server crashes and restarts on the same port without its refresh tokens: unreachable while down, one fallback after', async () => {
    rig = await startRig();
    await rig.openChannels(CHANNELS);
    await rig.tokens.stop();
    const requestsBefore = rig.tokens.requests;

    const { outcomes, sends } = await expireAndStorm('down');
    const errors = outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error));
    expect(errors[0]).toBeInstanceOf(TokenRequestError);
    expect(errors[0]).toMatchObject({ code: 'TOKEN_ENDPOINT_UNREACHABLE', retryable: true });
    expect(new Set(errors).size).toBe(1);
    await waitFor(() => rig.channels.every((entry) => entry.reconnects.filter((event) => event.reason === 'token unavailable').length >= 2), 'channels backing off');

    rig.api.authority.revokeRefreshTokens(); // the restarted server lost them
    const tokenUrl = rig.tokens.tokenUrl;
    await rig.tokens.start();
    expect(rig.tokens.tokenUrl).toBe(tokenUrl);
    rig.clock.now += 1_001;

    await expectChannelsRecovered('down', sends);
    const after = await rig.storm(REQUESTS, 'after-restart');
    expect(after.map((outcome) => outcome.ok && outcome.value.status)).toEqual(Array(REQUESTS).fill(200));
    expect(rig.tokens.requests - requestsBefore).toBe(2); // refresh refused, then the password grant
    expect(rig.auth.metrics()).toMatchObject({ fallbacks: 1, refreshFailures: 1 });
  });
});
