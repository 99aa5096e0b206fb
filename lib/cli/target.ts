import { AuthManager } from '../auth/auth-manager';
import { loadConfig } from '../config/load-config';
import { GatewayClient } from '../gateway/gateway-client';
import { FileTokenStore } from '../stores/file-token-store';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import type { BenchOptions } from './args';

/** A gateway a worker is pointed at by its parent (the embedded one, or the config's), and the token file they share. */
export interface SharedTarget {
  baseUrl?: string;
  wsUrl?: string;
  tokenUrl?: string;
  /** The locking token store of the fleet (a file), unless the config has its own `token_cache`. */
  tokenFile?: string;
}

/** What a run talks to. */
export interface Target {
  client: GatewayClient;
  embedded: TestGateway | undefined;
  name: string;
  close(): Promise<void>;
}

const EMBEDDED_CREDENTIALS = { grant: 'password', clientId: 'benchmark-client', username: 'user@example.com', password: 'password' } as const;

/** The embedded gateway of a run (short tokens, so refreshes happen during it). */
export function startEmbeddedGateway(options: BenchOptions): Promise<TestGateway> {
  // Not a test: nothing reads the messages back, and a long run must not keep them all.
  return startTestGateway({ accessTokenTtlSeconds: options.tokenTtlSeconds, tokenLatencyMs: 10, recordMessages: false });
}

/** Opens the config's gateway, the one a parent shared, or a new embedded one. */
export async function openTarget(options: BenchOptions, hooks: { onWarning?: (message: string) => void }, shared?: SharedTarget): Promise<Target> {
  const store = shared?.tokenFile ? new FileTokenStore(shared.tokenFile) : undefined;
  if (options.config) {
    const config = await loadConfig(options.config);
    if (!shared) for (const warning of config.warnings) hooks.onWarning?.(warning);
    // The config's own token_cache (a file or redis://) wins; else the fleet's shared file.
    const keepOwn = config.gateway.tokenCache !== undefined;
    const client = GatewayClient.fromConfig(config, keepOwn || !store ? {} : { authOptions: { store } });
    return { client, embedded: undefined, name: options.config, close: () => client.close() };
  }
  const embedded = shared?.baseUrl ? undefined : await startEmbeddedGateway(options);
  const baseUrl = shared?.baseUrl ?? embedded!.baseUrl;
  const auth = new AuthManager({ ...EMBEDDED_CREDENTIALS, tokenUrl: shared?.tokenUrl ?? embedded!.tokenUrl, autoRefresh: true, ...(store && { store }) });
  const client = new GatewayClient({ baseUrl, wsUrl: shared?.wsUrl ?? embedded!.wsUrl, auth });
  return {
    client,
    embedded,
    name: `embedded (${baseUrl}, token TTL ${options.tokenTtlSeconds} s)`,
    async close() {
      await client.close();
      auth.close();
      await embedded?.close();
    },
  };
}
