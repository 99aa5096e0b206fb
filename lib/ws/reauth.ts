import type { TokenSource } from '../auth/token-source';
import type { Connection } from './connection';
import { encode, type Frame } from './frames';
import type { OutgoingMessage } from './options';

/**
 * The re-authentication decisions of a channel, from what it knows of the
 * token on its connection: which token the server saw, whether it came right
 * after a refresh we asked for, and whether a refusal of it is a verdict on
 * the credentials or the token simply ran out on the way.
 */
export class Reauthentication {
  private token: string | undefined;
  private refreshRequested = false;
  private afterRefresh = false;

  constructor(private readonly auth: Pick<TokenSource, 'getAccessToken' | 'tokenAccepted'>) {}

  /** The token the server saw on this connection (undefined for an API key). */
  get tokenUsed(): string | undefined {
    return this.token;
  }

  /** A new attempt dials with `token`: it is the fresh one if we asked for a refresh since the last attempt. */
  dialing(token: string | undefined): void {
    this.token = token;
    this.afterRefresh = this.refreshRequested;
    this.refreshRequested = false;
  }

  /** We reported a refusal: the next token fetched is the fresh one. */
  refreshed(): void {
    this.refreshRequested = true;
  }

  /** The token was renewed on the open socket: that one is in use now, and it is no refresh of ours. */
  renewed(token: string): void {
    this.token = token;
    this.afterRefresh = false;
  }

  /** The connection stayed up: the server accepted its token, so a later refusal of it is an expiry. */
  accepted(): void {
    if (this.token !== undefined) this.auth.tokenAccepted?.(this.token);
  }

  /**
   * A refused token that came right after our refresh means bad credentials
   * (or an odd server), unless it simply ran out (a short lifetime, a slow
   * link): then the source, asked again, already hands out a newer one.
   */
  async refusedFresh(): Promise<boolean> {
    if (!this.afterRefresh) return false;
    // A header without a token (an API key) has nothing newer to hand out: refused again is refused for good.
    if (this.token === undefined) return true;
    try {
      return (await this.auth.getAccessToken()) === this.token;
    } catch {
      return false; // the token fetch of the next attempt reports the failure properly
    }
  }

  /**
   * Sends `build(token)` on the open `connection` when the source has a newer
   * token than the one in use (and `stillOpen()` after the wait); any failure
   * is left to the server's 4401 when the old token runs out, which refreshes.
   */
  async renew(connection: Connection, build: (token: string) => OutgoingMessage, stillOpen: () => boolean): Promise<void> {
    let token: string;
    let frame: Frame;
    try {
      token = await this.auth.getAccessToken();
      if (token === this.token || !stillOpen()) return;
      frame = encode(build(token));
    } catch {
      return;
    }
    this.renewed(token);
    connection.send(frame, () => undefined);
  }

  /**
   * Only the first refusal since a stable connection reconnects at once;
   * every further one waits its backoff delay, even when another channel
   * replaced the token meanwhile, so a server that closes every new
   * connection with 4401 gets no storm.
   */
  static paced(attempt: number, wasStable: boolean): boolean {
    return attempt > 1 && !wasStable;
  }
}
