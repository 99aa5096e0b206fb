import axios from 'axios';
import {
  AuthError,
  AuthManager,
  ChannelClosedError,
  ConfigError,
  ErrorCodes,
  GatewayClient,
  QueueFullError,
  SessionChannel,
  TokenRequestError,
  attachAuth,
  isAxiosWsAuthError,
} from '../lib';

describe('errors', () => {
  it('every class is an AuthError, recognised by the type guard (also across copies of the package)', () => {
    const errors = [
      new AuthError('x', { code: ErrorCodes.UNEXPECTED }),
      new TokenRequestError('x'),
      new ConfigError('x'),
      new ChannelClosedError(),
      new QueueFullError(3),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(AuthError);
      expect(isAxiosWsAuthError(error)).toBe(true);
      expect(Object.values(ErrorCodes)).toContain(error.code);
    }
    // Another copy of the package brands its errors with the same registered symbol.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('axios-ws-auth.error')]: true });
    expect(isAxiosWsAuthError(foreign)).toBe(true);
    for (const other of [new Error('x'), null, undefined, 'AUTH_FAILED', { code: 'AUTH_FAILED' }]) {
      expect(isAxiosWsAuthError(other)).toBe(false);
    }
  });

  it('codes are their own names, one per meaning', () => {
    for (const [name, value] of Object.entries(ErrorCodes)) expect(value).toBe(name);
    expect(new Set(Object.values(ErrorCodes)).size).toBe(Object.keys(ErrorCodes).length);
  });

  it('a bad option is INVALID_OPTIONS whichever function got it', () => {
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k' });
    const attempts: Array<() => unknown> = [
      () => new AuthManager({ grant: 'password', tokenUrl: 'nope', clientId: 'c', username: 'u', password: 'p' }),
      () => attachAuth(axios.create({ baseURL: 'http://127.0.0.1:1' }), auth, { maxRetries: -1 }),
      () => attachAuth(axios.create(), {} as never),
      () => new SessionChannel({ url: 'http://127.0.0.1/x', auth }),
      () => new GatewayClient({ baseUrl: 'not a url', auth }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect(caught).toMatchObject({ code: ErrorCodes.INVALID_OPTIONS });
      expect(typeof (caught as ConfigError).key).toBe('string');
    }
  });

  it('a send queue overflow and a receive-buffer overflow have different codes', () => {
    expect(new QueueFullError(1)).toMatchObject({ code: 'QUEUE_FULL', retryable: true });
    expect(ErrorCodes.RECEIVE_BUFFER_FULL).not.toBe(ErrorCodes.QUEUE_FULL);
  });
});
