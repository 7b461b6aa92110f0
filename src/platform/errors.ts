/**
 * A failure the user must fix (bad file, bad option, unreachable database): the CLI prints
 * its message as one line on stderr and exits 1; the API answers 400/422 with it.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A command-line usage mistake (unknown command, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A lookup that found nothing (unknown customer, invoice…): API 404, CLI exit 1. */
export class NotFoundError extends UserError {}

/** Too many attempts (sign-ins, link requests…): API 429 with Retry-After, CLI exit 1. */
export class RateLimitedError extends UserError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The caller is known but may not do this (API 403). */
export class ForbiddenError extends UserError {}
