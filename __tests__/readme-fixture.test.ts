// This file is the README's jest fixture example, verbatim (checked by readme.test.ts).
import axios from 'axios';
import { AuthManager, attachAuth } from 'axios-ws-auth';
import { startTestGateway, type TestGateway } from 'axios-ws-auth/testing';

describe('my client against a real gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ accessTokenTtlSeconds: 60 });
  });
  afterAll(() => gateway.close()); // nothing stays open

  it('survives an expired token with one refresh', async () => {
    const auth = new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
    const api = axios.create({ baseURL: gateway.baseUrl });
    attachAuth(api, auth);

    await api.post('/api/v1/sessions', {});
    gateway.expireAccessTokens();
    const replies = await Promise.all(Array.from({ length: 50 }, () => api.get('/api/v1/health')));

    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    expect(gateway.stats().token.grants).toMatchObject({ password: 1, refresh_token: 1 });
  });
});
