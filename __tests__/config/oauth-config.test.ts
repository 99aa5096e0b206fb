import { AuthManager, parseConfig } from '../../lib';
import { authOptionsFromConfig } from '../../lib/config/auth-options';

// The YAML's OAuth keys: issuer (discovery) instead of auth_url, resource and audience, grant_type device_code.

const deviceYaml = `gateway:
  auth_type: jwt
  jwt:
    issuer: "https://login.example.com/tenant"
    grant_type: device_code
    client_id: cli
    scope: "openid offline_access"
    resource: "https://api.example.com/"
    audience: "api"
`;

describe('OAuth keys in the gateway config', () => {
  it('issuer, resource and audience reach the manager; device_code needs no auth_url', () => {
    const config = parseConfig(deviceYaml, { env: {} });
    expect(config.warnings).toEqual([]);
    expect(config.gateway).toEqual({
      authType: 'jwt',
      jwt: { grantType: 'device_code', issuer: 'https://login.example.com/tenant', clientId: 'cli', scope: 'openid offline_access', resource: 'https://api.example.com/', audience: 'api' },
    });
    const onUserCode = () => undefined;
    expect(authOptionsFromConfig(config, { onUserCode })).toMatchObject({ grant: 'device_code', issuer: 'https://login.example.com/tenant', resource: 'https://api.example.com/', audience: 'api', onUserCode });
    const auth = AuthManager.fromConfig(config);
    expect(auth.toJSON()).toMatchObject({ grant: 'device_code', issuer: 'https://login.example.com/tenant', clientId: 'cli' });
    auth.close();
  });

  it('without auth_url or issuer the error names both, with the line', () => {
    expect(() => parseConfig(deviceYaml.replace(/ {4}issuer: .*\n/, ''), { env: {}, sourceName: 'gw.yaml' })).toThrow(
      expect.objectContaining({ key: 'gateway.jwt.auth_url', line: 3, message: expect.stringContaining('or issuer (to discover it)') }),
    );
    expect(() => parseConfig(deviceYaml.replace('https://login.example.com/tenant', 'ftp://x'), { env: {} })).toThrow(expect.objectContaining({ key: 'gateway.jwt.issuer' }));
  });

  it('client_credentials with an issuer', () => {
    const config = parseConfig(deviceYaml.replace('device_code', 'client_credentials').replace('client_id: cli', 'client_id: cli\n    client_secret: s3cret'), { env: {} });
    expect(authOptionsFromConfig(config)).toMatchObject({ grant: 'client_credentials', issuer: 'https://login.example.com/tenant', clientSecret: 's3cret' });
    expect(authOptionsFromConfig(config)).not.toHaveProperty('tokenUrl');
  });
});
