import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenAuthority, type TokenAuthorityOptions } from '../../lib/testing/token-authority';
import { closeServer } from '../helpers/token-server';

/** An answer a test scripts instead of the authority's. */
export interface ScriptedAnswer {
  status: number;
  json?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface ScriptedTokenServerOptions extends TokenAuthorityOptions {
  /**
   * Reuse detection, as Auth0, Okta and Keycloak do it: a refresh token that
   * was already rotated out, presented again, revokes the whole grant (every
   * refresh token of the authority). Default true.
   */
  detectReuse?: boolean;
}

/**
 * A real token endpoint on 127.0.0.1 (port 0) in front of a `TokenAuthority`,
 * local to the auth tests until `lib/testing` grows the same controls: it
 * detects refresh-token reuse, and `script` answers chosen requests instead
 * of the authority (a 500 for the password grant only, a redirect…).
 */
export interface ScriptedTokenServer {
  tokenUrl: string;
  authority: TokenAuthority;
  /** Returns an answer to send instead of the authority's, or `undefined` to let it answer. */
  script: ((form: URLSearchParams) => ScriptedAnswer | undefined) | undefined;
  /** Token requests received, scripted or not. */
  requests(): number;
  /** Grant types in arrival order (`refresh_token`, `password`…). */
  grants: string[];
  /** Rotated-out refresh tokens presented again (each one revoked the grant). */
  reuses(): number;
  close(): Promise<void>;
}

export async function startScriptedTokenServer(options: ScriptedTokenServerOptions = {}): Promise<ScriptedTokenServer> {
  const { detectReuse = true, ...authorityOptions } = options;
  const authority = new TokenAuthority(authorityOptions);
  const rotatedOut = new Set<string>();
  let requests = 0;
  let reuses = 0;
  const state: ScriptedTokenServer = {
    tokenUrl: '',
    authority,
    script: undefined,
    requests: () => requests,
    grants: [],
    reuses: () => reuses,
    close: () => closeServer(server),
  };

  const answer = (form: URLSearchParams, authorization: string | undefined): ScriptedAnswer => {
    const scripted = state.script?.(form);
    if (scripted) return scripted;
    const presented = form.get('grant_type') === 'refresh_token' ? (form.get('refresh_token') ?? '') : undefined;
    if (presented !== undefined && detectReuse && rotatedOut.has(presented)) {
      reuses++;
      authority.revokeRefreshTokens();
      return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token reused: grant revoked' } };
    }
    const { status, json } = authority.respond(form, authorization);
    if (presented !== undefined && status === 200 && authority.rotateRefreshTokens) rotatedOut.add(presented);
    return { status, json };
  };

  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/token') {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      requests++;
      const form = new URLSearchParams(body);
      state.grants.push(form.get('grant_type') ?? '');
      const { status, json, headers } = answer(form, request.headers.authorization);
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(json === undefined ? '' : JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return state;
}
