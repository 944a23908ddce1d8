import { expect } from 'vitest';
import { TokenRejectedError, type TokenRejectionReason } from '../../src/identity/index.js';

/** Awaits a verification that must fail, checks its reason, and returns the error. */
export async function expectRejection(
  verification: Promise<unknown>,
  reason: TokenRejectionReason,
): Promise<TokenRejectedError> {
  const error = await verification.then(
    () => {
      throw new Error(`expected a ${reason} rejection, but the token was accepted`);
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  expect((error as TokenRejectedError).reason, (error as Error).message).toBe(reason);
  return error as TokenRejectedError;
}
