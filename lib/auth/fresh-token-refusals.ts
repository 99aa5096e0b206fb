import { AuthError, ErrorCodes } from '../errors';

/**
 * Tells a resource server that refuses every token from one whose token ran
 * out: a token obtained to replace a refused one, refused again while still
 * fresh and before any server accepted it, is a verdict, not an expiry.
 */
export class FreshTokenRefusals {
  private afterRefusal = false;
  private acceptedOnce = false;

  /** A new token is in use; `afterRefusal` when it replaced a refused one. */
  installed(afterRefusal: boolean): void {
    this.afterRefusal = afterRefusal;
    this.acceptedOnce = false;
  }

  /** A server accepted the current token: a later refusal of it is an expiry. */
  accepted(): void {
    this.acceptedOnce = true;
  }

  /** The current token, `ageMs` old, was refused: the refuse-everything verdict (`AUTH_FAILED`), or undefined for an expiry. */
  verdict(ageMs: number, freshForMs: number): AuthError | undefined {
    if (!this.afterRefusal || this.acceptedOnce || ageMs >= freshForMs) return undefined;
    return new AuthError('the server refused a token obtained right after it refused the previous one; waiting before the next try', { code: ErrorCodes.AUTH_FAILED, retryable: true });
  }
}
