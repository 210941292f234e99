// The engine's one error class. Callers branch on `code`, never on message text: the codes are a
// public contract (they cross the protocol as `ResponseError.data.code`), while messages may be
// reworded at any time. Misuse of an API (a negative timeout, a jitter outside [0, 1)) throws a plain
// TypeError instead, as jose and lru-cache do: that is a bug in the caller, not a state to handle.
import { codes } from '../protocol';

// The codes themselves are declared in the editor protocol module, the one list both sides import.
export { codes };

export type ErrorCodeString = (typeof codes)[keyof typeof codes];

export class TokenAgentError extends Error {
  override readonly name = 'TokenAgentError';
  readonly code: ErrorCodeString;

  /** `message` is for people and must never hold a whole secret: at most its first 8 characters. */
  constructor(code: ErrorCodeString, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Narrows a caught value to a TokenAgentError, optionally one with the given code. */
export function isTokenAgentError(value: unknown, code?: ErrorCodeString): value is TokenAgentError {
  return value instanceof TokenAgentError && (code === undefined || value.code === code);
}
