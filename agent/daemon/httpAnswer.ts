// The user agent's HTTP plumbing (routes.ts): JSON answers with the headers every answer carries,
// error bodies and their status codes, and request bodies read with a size cap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { codes, type ErrorCodeString, TokenAgentError } from '../base/errors';
import { agentCodes } from './api';

/** A JSON body larger than this is refused: definitions and secrets are small. */
const maxBodyBytes = 256 * 1024;

export function statusFor(code: string): number {
  switch (code as ErrorCodeString) {
    case codes.tokenUnknown:
      return 404;
    case codes.needsSignIn:
      return 409;
    case codes.refreshBudgetExhausted:
      return 429;
    case codes.storeUnavailable:
    case codes.storeLocked:
    case codes.lockTimeout:
    case codes.teamUnavailable:
    case codes.tokenExpired:
      return 503;
    case codes.configInvalid:
    case codes.badRequest:
      return 400;
    default:
      // The token endpoint or command failed: the agent is a gateway to it.
      return 502;
  }
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw badRequest(`the body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (isRecord(parsed)) return parsed;
  } catch {
    // Answered below: the same message whatever was wrong with it.
  }
  throw badRequest('the body must be a JSON object');
}

export function badRequest(message: string): TokenAgentError {
  return new TokenAgentError(codes.badRequest, message);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function notAllowed(res: ServerResponse, allow: string): void {
  send(res, 405, error(agentCodes.methodNotAllowed, `allowed here: ${allow}`), { allow });
}

export function error(code: string, message: string) {
  return { error: { code, message } };
}

export const baseHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...baseHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
