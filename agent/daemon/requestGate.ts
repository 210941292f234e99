// Who the user agent answers at all, checked before any routing (routes.ts). Local processes ask it
// for tokens; a web page must never be able to. So, before anything else:
// - the Host header must be a loopback name (a DNS-rebinding page sends its own name): 421;
// - a request with an Origin header comes from a browser: 403;
// - on TCP, `Authorization: Bearer SECRET` (the secret from the secret store): 401, and only token
//   and status reads: everything that changes state is answered on the Unix socket alone;
// - no response ever carries an Access-Control-* header, so a browser never lets a page read one.
// On the Unix socket the file's mode (0600, in a 0700 folder the agent owns) is the access check.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { agentCodes } from './api';
import { error } from './httpAnswer';

export type Listener = { kind: 'unix' } | { kind: 'tcp'; port: number; bearer: string };

export /** Why a request may not be answered at all, checked before routing. */
function refuse(
  listener: Listener,
  req: IncomingMessage,
): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  if (!loopbackHost(req.headers.host, listener)) {
    return {
      status: 421,
      body: error(agentCodes.hostNotAllowed, 'the Host header must be a loopback name (DNS rebinding?)'),
    };
  }
  if (req.headers.origin !== undefined)
    return { status: 403, body: error(agentCodes.originNotAllowed, 'browser requests are not answered') };
  if (listener.kind === 'unix') return undefined;
  // TCP: reads of tokens and status only, behind the bearer secret.
  if (req.method !== 'GET') {
    return {
      status: 405,
      body: error(agentCodes.methodNotAllowed, 'only GET is allowed on TCP'),
      headers: { allow: 'GET' },
    };
  }
  // The path as routing will see it (backslashes and dot segments resolved), or a crafted one such as
  // /v1/tokens/a\..\..\held would pass the allow-list below and be routed elsewhere.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') return undefined;
  if (!bearerMatches(req.headers.authorization, listener.bearer)) {
    return {
      status: 401,
      body: error(agentCodes.unauthorized, 'a valid Authorization: Bearer secret is required'),
      headers: { 'www-authenticate': 'Bearer realm="token-agent"' },
    };
  }
  if (path !== '/v1/status' && !/^\/v1\/tokens\/[^/]+$/.test(path))
    return { status: 404, body: error(agentCodes.notFound, 'only token and status reads are served on TCP') };
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
