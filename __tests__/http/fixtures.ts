import http from 'node:http';
import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { AuthManager } from '../../lib/auth/auth-manager';
import type { PasswordGrantOptions } from '../../lib/auth/options';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../helpers/api-server';

/** A loopback API + token server, an AuthManager on it, and axios instances with a private agent. */
export interface Harness {
  server: ApiServer;
  agent: http.Agent;
  manager(extra?: Partial<PasswordGrantOptions>): AuthManager;
  client(config?: CreateAxiosDefaults): AxiosInstance;
  close(): Promise<void>;
}

export async function startHarness(options: ApiServerOptions = {}): Promise<Harness> {
  const server = await startApiServer(options);
  const agent = new http.Agent({ keepAlive: true });
  return {
    server,
    agent,
    manager: (extra = {}) =>
      new AuthManager({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', ...extra }),
    client: (config = {}) => axios.create({ baseURL: server.origin, httpAgent: agent, ...config }),
    close: async () => {
      agent.destroy();
      await server.close();
    },
  };
}

/** Requests seen at the server with this `x-request-id`, in order. */
export function attemptsOf(server: ApiServer, id: string) {
  return server.seen.filter((request) => request.id === id);
}
