import { startTestGateway, type TestGateway } from '../../lib/testing';
import { claimsOf, postForm } from './helpers';

describe('startTestGateway: resource (RFC 8707) and audience parameters', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await startTestGateway({ clients: { 'benchmark-client': '', robot: 's3cret' } });
  });
  afterEach(() => gateway.close());

  const resource = ['https://api.example.test/', 'https://stream.example.test/ws'];

  it('records them on every grant, the refresh included, and puts them in the access token aud', async () => {
    const first = await postForm(gateway.tokenUrl, { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client', resource, audience: 'gateway', scope: 'read' });
    expect(first.status).toBe(200);
    expect(claimsOf(first.json['access_token'])['aud']).toEqual(['gateway', ...resource]);
    expect(gateway.stats().token.lastGrant).toEqual({ endpoint: 'token', grantType: 'password', resource, audience: ['gateway'], scope: 'read' });

    const refreshed = await postForm(gateway.tokenUrl, { grant_type: 'refresh_token', refresh_token: String(first.json['refresh_token']), client_id: 'benchmark-client', resource: resource[0]! });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.json['access_token'])['aud']).toBe(resource[0]);
    const robot = await postForm(gateway.tokenUrl, { grant_type: 'client_credentials' }, { Authorization: `Basic ${Buffer.from('robot:s3cret').toString('base64')}` });
    expect(claimsOf(robot.json['access_token'])).not.toHaveProperty('aud');

    const { recentGrants, lastGrant } = gateway.stats().token;
    expect(recentGrants.map((grant) => [grant.grantType, grant.resource.length, grant.audience.length])).toEqual([
      ['password', 2, 1],
      ['refresh_token', 1, 0],
      ['client_credentials', 0, 0],
    ]);
    expect(lastGrant).toMatchObject({ grantType: 'client_credentials', resource: [], audience: [] });
  });

  it('answers invalid_target for a resource that is not an absolute URI or has a fragment, and still records it', async () => {
    for (const bad of ['/relative', 'https://api.example.test/#frag']) {
      const answer = await postForm(gateway.tokenUrl, { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client', resource: bad });
      expect(answer).toMatchObject({ status: 400, json: { error: 'invalid_target' } });
      expect(gateway.stats().token.lastGrant?.resource).toEqual([bad]);
    }
    expect(gateway.stats().token).toMatchObject({ tokenRequests: 2, rejected: 2, grants: { password: 0 } });
  });

  it('keeps the last 100 requests, and a stats snapshot is a copy', async () => {
    for (let i = 0; i < 105; i++) gateway.authority.respond(new URLSearchParams({ grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client', audience: `a${i}` }));
    const stats = gateway.stats().token;
    expect(stats.recentGrants).toHaveLength(100);
    expect(stats.recentGrants[0]?.audience).toEqual(['a5']);
    stats.recentGrants[0]?.audience.push('mutated');
    expect(gateway.stats().token.recentGrants[0]?.audience).toEqual(['a5']);
  });
});
