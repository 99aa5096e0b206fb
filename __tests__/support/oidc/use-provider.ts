import { startOidcProvider, type OidcProvider } from './start-provider';

/** One oidc-provider per test file, fresh counters per test, and every manager a test made closed after it. */
export function useOidcProvider(): { provider(): OidcProvider; track<T extends { close(): void }>(closable: T): T } {
  let op: OidcProvider | undefined;
  const open: { close(): void }[] = [];
  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterAll(() => op?.close());
  beforeEach(() => op!.resetStats());
  afterEach(() => open.splice(0).forEach((closable) => closable.close()));
  return {
    provider: () => op!,
    track: (closable) => (open.push(closable), closable),
  };
}
