// The sidecar's HTTP API (docs/team-mode.md, "The sidecar"). Local processes ask it for tokens; a
// web page must never be able to. So, before anything else:
// - the Host header must be a loopback name (a DNS-rebinding page sends its own name): 421;
// - a request with an Origin header comes from a browser: 403;
// - on TCP, `Authorization: Bearer SECRET` (the secret from the secret store): 401;
// - only GET; OPTIONS (a CORS preflight) and everything else get 405, and no response ever carries
//   an Access-Control-* header, so a browser never lets a page read one.
// On the Unix socket the file's mode (0600, in a 0700 folder) is the access check.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TeamHealth } from '../engine/coordinator';
import { codes, type ErrorCodeString, isTokenAgentError } from '../engine/errors';
import type { IssuedToken } from '../engine/tokenEngine';
import type { TokenState } from '../protocol';

/** Errors of the HTTP layer itself; the engine's own codes (errors.ts) pass through unchanged. */
export const serveCodes = {
  hostNotAllowed: 'ERR_HOST_NOT_ALLOWED',
  originNotAllowed: 'ERR_ORIGIN_NOT_ALLOWED',
  unauthorized: 'ERR_UNAUTHORIZED',
  methodNotAllowed: 'ERR_METHOD_NOT_ALLOWED',
  notFound: 'ERR_NOT_FOUND',
  badRequest: 'ERR_BAD_REQUEST',
  configMismatch: 'ERR_CONFIG_MISMATCH',
  stopping: 'ERR_STOPPING',
  internal: 'ERR_AGENT_INTERNAL',
} as const;

/** A client sends its resolved config path here; a server using another config answers 409. */
export const configHeader = 'x-token-agent-config';

export interface ServeStatus {
  version: string;
  pid: number;
  /** Unix milliseconds. */
  startedAt: number;
  configPath: string;
  store: { tier: string; plaintext: boolean; error?: { code: string; message: string } };
  /** `off` without team mode; `degraded` while the agent refreshes on its own (detail says why). */
  redis: { state: 'ok' | 'degraded' | 'off'; detail?: string };
  tokens: TokenState[];
}

export interface ServeContext {
  get(name: string, minValidSeconds: number): Promise<IssuedToken>;
  status(): Omit<ServeStatus, 'redis'> & { team: TeamHealth | undefined };
  configPath: string;
  stopping(): boolean;
  now?: () => number;
}

export type Listener = { kind: 'unix' } | { kind: 'tcp'; port: number; bearer: string };

const tokenPath = /^\/v1\/tokens\/([A-Za-z0-9._-]{1,64})$/;

export async function handleRequest(
  context: ServeContext,
  listener: Listener,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const refusal = refuse(listener, req);
    if (refusal) return send(res, refusal.status, refusal.body, refusal.headers);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      return context.stopping()
        ? send(res, 503, { status: 'stopping' }, { connection: 'close' })
        : send(res, 200, { status: 'ok' });
    }
    if (context.stopping())
      return send(res, 503, error(serveCodes.stopping, 'token-agent serve is stopping'), {
        connection: 'close',
      });
    if (url.pathname === '/v1/status') return send(res, 200, status(context));
    const match = tokenPath.exec(url.pathname);
    if (!match) return send(res, 404, error(serveCodes.notFound, 'no such endpoint'));
    const asked = req.headers[configHeader];
    if (typeof asked === 'string' && asked !== context.configPath) {
      return send(res, 409, error(serveCodes.configMismatch, 'this server uses another config file'));
    }
    const minValid = url.searchParams.get('min_valid') ?? '0';
    if (!/^\d{1,5}$/.test(minValid) || Number(minValid) > 86_400) {
      return send(res, 400, error(serveCodes.badRequest, 'min_valid takes whole seconds from 0 to 86400'));
    }
    const name = match[1] as string;
    const token = await context.get(name, Number(minValid));
    const now = (context.now ?? Date.now)();
    return send(res, 200, {
      access_token: token.accessToken,
      token_type: 'Bearer',
      ...(token.expiresAt !== undefined
        ? {
            expires_at: Math.floor(token.expiresAt / 1000),
            expires_in: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
          }
        : {}),
    });
  } catch (caught) {
    if (isTokenAgentError(caught))
      return send(res, statusFor(caught.code), error(caught.code, caught.message));
    return send(res, 500, error(serveCodes.internal, 'internal error'));
  }
}

/** Why a request may not be answered at all, checked before routing. */
function refuse(
  listener: Listener,
  req: IncomingMessage,
): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  if (!loopbackHost(req.headers.host, listener)) {
    return {
      status: 421,
      body: error(serveCodes.hostNotAllowed, 'the Host header must be a loopback name (DNS rebinding?)'),
    };
  }
  if (req.headers.origin !== undefined)
    return { status: 403, body: error(serveCodes.originNotAllowed, 'browser requests are not answered') };
  if (req.method !== 'GET') {
    return {
      status: 405,
      body: error(serveCodes.methodNotAllowed, 'only GET is allowed'),
      headers: { allow: 'GET' },
    };
  }
  const path = (req.url ?? '').split('?')[0];
  if (
    listener.kind === 'tcp' &&
    path !== '/healthz' &&
    !bearerMatches(req.headers.authorization, listener.bearer)
  ) {
    return {
      status: 401,
      body: error(serveCodes.unauthorized, 'a valid Authorization: Bearer secret is required'),
      headers: { 'www-authenticate': 'Bearer realm="token-agent"' },
    };
  }
  return undefined;
}

/** `localhost`, `127.0.0.1` or `[::1]`, with the listener's port on TCP (any port on the socket). */
export function loopbackHost(host: string | undefined, listener: Listener): boolean {
  if (host === undefined) return false;
  const match = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i.exec(host);
  if (!match) return false;
  if (listener.kind === 'unix') return true;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  return port === listener.port;
}

function bearerMatches(header: string | undefined, secret: string): boolean {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  if (!match) return false;
  // Compared as digests, so that neither the length nor the content leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1] as string), digest(secret));
}

function status(context: ServeContext): ServeStatus {
  const { team, ...rest } = context.status();
  const redis: ServeStatus['redis'] =
    team === undefined
      ? { state: 'off' }
      : team.state === 'ok'
        ? { state: 'ok' }
        : { state: 'degraded', detail: team.detail };
  return { ...rest, redis };
}

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
    case codes.tokenExpired:
      return 503;
    case codes.configInvalid:
      return 500;
    default:
      // The token endpoint or command failed: the sidecar is a gateway to it.
      return 502;
  }
}

function error(code: string, message: string) {
  return { error: { code, message } };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}
