// The harness's child process: oidc-provider (ESM-only, so never inside jest) as the
// authorization server, the DPoP-protected API (api.mjs) and a control server, each on its
// own ephemeral 127.0.0.1 port. When all three listen it prints ONE JSON line on stdout
// (start-provider.ts waits for it); stdout carries nothing else. It exits on SIGTERM or when
// its stdin closes, so a crashed jest run never leaves it behind.
import { createServer } from 'node:http';

import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

import { createApi } from './api.mjs';
import { API_SCOPE, DEVICE_INTERVAL_S, RESOURCE, SECRETS, clients, configuration } from './config.mjs';
import { createProviderStats } from './provider-stats.mjs';

const DEBUG = process.env.AXIOS_WS_AUTH_OIDC_DEBUG === '1';
const BODY_LIMIT = 64 * 1024;

// oidc-provider writes its notices (dev interactions, TTL defaults…) with console.info — to
// stdout, which is the ready line's channel. Silenced, or sent to stderr when debugging.
for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
  console[method] = DEBUG ? (...args) => process.stderr.write(`[oidc ${method}] ${args.join(' ')}\n`) : () => {};
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

async function es256Jwk(kid) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const meta = { kid, alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...(await exportJWK(publicKey)), ...meta } };
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > BODY_LIMIT) throw new Error('body too large');
  }
  return text ? JSON.parse(text) : {};
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function main() {
  // Fresh keys per run: the provider's (access and id tokens) and the private_key_jwt client's.
  const signing = await es256Jwk('provider-es256');
  const client = await es256Jwk('jwt-key-client-es256');

  const providerServer = createServer();
  const apiServer = createServer();
  const controlServer = createServer();
  const [issuer, apiUrl, controlUrl] = await Promise.all([listen(providerServer), listen(apiServer), listen(controlServer)]);

  const config = configuration({ jwks: { keys: [signing.privateJwk] }, publicJwk: client.publicJwk });
  const provider = new Provider(issuer, config);
  const providerStats = createProviderStats();
  provider.use(providerStats.middleware);
  providerServer.on('request', provider.callback());

  const api = createApi({ issuer, resource: RESOURCE, publicJwks: { keys: [signing.publicJwk] }, algorithms: config.enabledJWA.dPoPSigningAlgValues });
  api.setOrigin(apiUrl);
  apiServer.on('request', api.handler);

  const routes = {
    'GET /stats': () => ({ provider: providerStats.snapshot(), api: api.stats() }),
    'POST /reject-current': () => ({ rejected: api.rejectCurrent() }),
    'POST /rotate-nonce': (body) => ({ nonce: api.rotateNonce({ graceful: body.graceful === true }) }),
    'POST /reset-stats': () => {
      providerStats.reset();
      api.resetStats();
      return {};
    },
  };
  controlServer.on('request', (req, res) => {
    const route = routes[`${req.method} ${new URL(req.url ?? '/', controlUrl).pathname}`];
    if (!route) return sendJson(res, 404, { error: 'not_found' });
    readJson(req)
      .then((body) => sendJson(res, 200, route(body)))
      .catch((error) => sendJson(res, 400, { error: String(error.message) }));
  });

  const servers = [providerServer, apiServer, controlServer];
  const shutdown = () => {
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // The parent holds our stdin: when it goes away (even killed), so do we.
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();

  const registered = Object.fromEntries(clients(client.publicJwk).map((c) => [c.client_id, {
    clientId: c.client_id,
    ...(c.client_id in SECRETS ? { clientSecret: SECRETS[c.client_id] } : {}),
    authMethod: c.token_endpoint_auth_method,
    grantTypes: c.grant_types,
    dpopBound: c.dpop_bound_access_tokens === true,
  }]));
  process.stdout.write(`${JSON.stringify({
    issuer,
    apiUrl,
    controlUrl,
    resource: RESOURCE,
    scope: API_SCOPE,
    deviceIntervalS: DEVICE_INTERVAL_S,
    clients: registered,
    privateJwk: client.privateJwk,
  })}\n`);
}

main().catch((error) => {
  process.stderr.write(`oidc harness failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
