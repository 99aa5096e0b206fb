import type { DpopProver } from './dpop';

/**
 * Every request asks for headers: while the token is the same, the same
 * frozen object (and the same settled promise of it) answers, without
 * allocating.
 */
export class HeaderCache {
  private current: { token: string; headers: Readonly<Record<string, string>> } | undefined;
  private settled: { headers: Readonly<Record<string, string>>; promise: Promise<Readonly<Record<string, string>>> } | undefined;

  /** `apiKeyHeader`: the token goes in that header as is; else as `Authorization: Bearer …`. */
  constructor(private readonly apiKeyHeader: string | undefined) {}

  private build(token: string): Record<string, string> {
    return this.apiKeyHeader ? { [this.apiKeyHeader]: token } : { Authorization: `Bearer ${token}` };
  }

  headersFor(token: string): Readonly<Record<string, string>> {
    if (this.current?.token !== token) this.current = { token, headers: Object.freeze(this.build(token)) };
    return this.current.headers;
  }

  promiseOf(headers: Readonly<Record<string, string>>): Promise<Readonly<Record<string, string>>> {
    if (this.settled?.headers !== headers) this.settled = { headers, promise: Promise.resolve(headers) };
    return this.settled.promise;
  }

  toJSON(): string {
    return '[HeaderCache]';
  }
}

/** The method and URL of one request: what a DPoP proof is bound to. */
export interface RequestTarget {
  method: string;
  url: string;
}

/** `Authorization: DPoP …` and a proof made for this one request (RFC 9449 §7.1): never cached, never reused. */
export async function proofHeaders(dpop: DpopProver, accessToken: string, request: RequestTarget): Promise<Readonly<Record<string, string>>> {
  const proof = await dpop.proof({ ...request, accessToken });
  return Object.freeze({ Authorization: `DPoP ${accessToken}`, DPoP: proof });
}
