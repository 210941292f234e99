// The user agent's HTTP handler (the routes are declared in api.ts). Every request passes the access
// checks first (requestGate.ts): loopback Host, no browser Origin, and on TCP the bearer secret and
// token and status reads only; the Unix socket's file mode is its access check.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { codes, isTokenAgentError } from '../base/errors';
import type { IssuedToken } from '../engine/tokenEngine';
import type { AgentStatus, SecretKind, SignInFlow, TokenState } from '../protocol';
import {
  agentApiVersion,
  agentCodes,
  type CredentialAnswer,
  type DefineAnswer,
  type DefinitionList,
  type HeldAnswer,
  type ImportAnswer,
  type LeaveSignInAnswer,
  namePattern,
  type SignInEvent,
  type TimelineAnswer,
  type TokenAnswer,
} from './api';
import {
  badRequest,
  baseHeaders,
  error,
  isRecord,
  notAllowed,
  readJson,
  send,
  statusFor,
} from './httpAnswer';
import { type Listener, refuse } from './requestGate';
import { resolveCredential, servedFromList } from './served';

/** What the handler needs from the agent; server.ts implements it over the engine and config file. */
export interface AgentContext {
  configPath: string;
  stopping(): boolean;
  status(): AgentStatus;
  /** Calls `listener` on every change of the status; returns the unsubscribe function. */
  onStatus(listener: (status: AgentStatus) => void): () => void;
  get(name: string, minValidSeconds: number): Promise<IssuedToken>;
  refresh(name: string): Promise<TokenState>;
  setSecret(name: string, kind: SecretKind, value: string, options?: { keepOther?: boolean }): Promise<void>;
  deleteSecret(name: string, kind: SecretKind | undefined): Promise<void>;
  definitions(): DefinitionList;
  define(
    name: string,
    entry: Record<string, unknown>,
    options?: { replace?: boolean },
  ): Promise<DefineAnswer>;
  removeDefinition(name: string): Promise<{ removed: boolean }>;
  importDefinitions(entries: unknown[]): Promise<ImportAnswer>;
  signIn(
    name: string,
    flow: SignInFlow,
    signal: AbortSignal,
    send: (event: SignInEvent) => void,
  ): Promise<void>;
  leaveSignIn(name: string, id: string): LeaveSignInAnswer;
  held(): HeldAnswer;
  /** The audit log's last `hours` as the timeline draws it; `{ unchanged }` when `stamp` still holds. */
  timeline(hours: number, stamp: string | undefined): Promise<TimelineAnswer>;
  now?: () => number;
  /** Masks held secrets and what the lint finds in an error message before it is sent (the engine's). */
  redact?(text: string): string;
}

/** The config file the agent serves, URI-encoded, on every answer on the Unix socket. */
export const configHeader = 'x-token-agent-config';
const secretKinds: readonly SecretKind[] = ['refresh_token', 'client_secret', 'access_token', 'static_token'];
const tokenRoute = new RegExp(`^/v1/tokens/(${namePattern})(?:/(refresh|sign-in))?$`);
const definitionRoute = new RegExp(`^/v1/definitions/(${namePattern})$`);
const secretRoute = new RegExp(`^/v1/secrets/(${namePattern})(?:/([a-z_]+))?$`);

export async function handleRequest(
  context: AgentContext,
  listener: Listener,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const refusal = refuse(listener, req);
    if (refusal) return send(res, refusal.status, refusal.body, refusal.headers);
    // Every answer on the socket names the config file it serves, so the small entry point (agent/fast/)
    // can check it on the answer itself instead of asking /healthz first (one exchange, not two).
    if (listener.kind === 'unix') res.setHeader(configHeader, encodeURIComponent(context.configPath));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz') {
      const body = {
        status: context.stopping() ? 'stopping' : 'ok',
        pid: process.pid,
        api: agentApiVersion,
        configPath: context.configPath,
        // A client that sees this code waits for the socket to go away, then starts the next agent.
        ...(context.stopping() ? error(agentCodes.stopping, 'the token agent is stopping') : {}),
      };
      return send(
        res,
        context.stopping() ? 503 : 200,
        body,
        context.stopping() ? { connection: 'close' } : {},
      );
    }
    if (context.stopping())
      return send(res, 503, error(agentCodes.stopping, 'the token agent is stopping'), {
        connection: 'close',
      });
    const route = `${method} ${url.pathname}`;
    if (route === 'GET /v1/status') return send(res, 200, context.status());
    if (route === 'GET /v1/events') return streamEvents(context, req, res);
    if (route === 'GET /v1/held') return send(res, 200, context.held());
    if (route === 'GET /v1/timeline') {
      const hours = url.searchParams.get('hours') ?? '24';
      if (!/^\d{1,3}$/.test(hours) || Number(hours) < 1 || Number(hours) > 168)
        throw badRequest('hours takes whole hours from 1 to 168');
      const stamp = url.searchParams.get('stamp') ?? undefined;
      return send(res, 200, await context.timeline(Number(hours), stamp));
    }
    if (route === 'GET /v1/definitions') return send(res, 200, context.definitions());
    if (route === 'GET /v1/credential') return send(res, 200, await credential(context, url));
    if (route === 'POST /v1/definitions/import') {
      const body = await readJson(req);
      if (!Array.isArray(body.entries)) throw badRequest('expected { "entries": [ … ] }');
      return send(res, 200, await context.importDefinitions(body.entries));
    }
    const token = tokenRoute.exec(url.pathname);
    if (token) return await tokenRequest(context, method, token[1] as string, token[2], url, req, res);
    const definition = definitionRoute.exec(url.pathname);
    if (definition) {
      const name = definition[1] as string;
      if (method === 'PUT') {
        const body = await readJson(req);
        if (!isRecord(body.definition)) throw badRequest('expected { "definition": { … } }');
        return send(
          res,
          200,
          await context.define(name, body.definition, { replace: body.replace === true }),
        );
      }
      if (method === 'DELETE') return send(res, 200, await context.removeDefinition(name));
      return notAllowed(res, 'PUT, DELETE');
    }
    const secret = secretRoute.exec(url.pathname);
    if (secret) {
      const [, name = '', kindText] = secret;
      const kind = kindText === undefined ? undefined : secretKinds.find((k) => k === kindText);
      if (kindText !== undefined && kind === undefined)
        throw badRequest(`the secret kind must be one of ${secretKinds.join(', ')}`);
      if (method === 'PUT') {
        const body = await readJson(req);
        if (!kind) throw badRequest('PUT needs the secret kind in the path');
        if (typeof body.value !== 'string' || body.value === '' || /[\r\n]/.test(body.value))
          throw badRequest('expected { "value": "…" }: one non-empty line');
        await context.setSecret(name, kind, body.value, { keepOther: body.keepOther === true });
        return send(res, 200, {});
      }
      if (method === 'DELETE') {
        await context.deleteSecret(name, kind);
        return send(res, 200, {});
      }
      return notAllowed(res, 'PUT, DELETE');
    }
    return send(res, 404, error(agentCodes.notFound, 'no such endpoint'));
  } catch (caught) {
    if (res.headersSent) return void res.end();
    if (isTokenAgentError(caught))
      return send(res, statusFor(caught.code), error(caught.code, redactWith(context, caught.message)));
    return send(res, 500, error(agentCodes.internal, 'internal error'));
  }
}

function redactWith(context: AgentContext, text: string): string {
  return context.redact ? context.redact(text) : text;
}

async function tokenRequest(
  context: AgentContext,
  method: string,
  name: string,
  action: string | undefined,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (action === undefined) {
    if (method !== 'GET') return notAllowed(res, 'GET');
    const token = await context.get(name, minValidOf(url.searchParams.get('min_valid')));
    return send(res, 200, tokenAnswer(token, (context.now ?? Date.now)()));
  }
  if (action === 'sign-in' && method === 'DELETE') {
    const id = url.searchParams.get('id');
    if (!id) throw badRequest('DELETE needs the caller id the sign-in stream gave: ?id=ID');
    return send(res, 200, context.leaveSignIn(name, id));
  }
  if (method !== 'POST') return notAllowed(res, action === 'sign-in' ? 'POST, DELETE' : 'POST');
  if (action === 'refresh') return send(res, 200, await context.refresh(name));
  const body = await readJson(req);
  const flow = body.flow === 'device' ? 'device' : body.flow === 'browser' ? 'browser' : undefined;
  if (!flow) throw badRequest('expected { "flow": "browser" | "device" }');
  // The answer is a stream of events: the prompt first, the outcome last. A client that goes away
  // stops waiting; the sign-in is cancelled when it was the last one waiting, as closing the only
  // browser tab would.
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  res.writeHead(200, { ...baseHeaders, 'content-type': 'application/x-ndjson; charset=utf-8' });
  const sendEvent = (event: SignInEvent) => void res.write(`${JSON.stringify(event)}\n`);
  try {
    await context.signIn(name, flow, abort.signal, sendEvent);
  } catch (caught) {
    const coded = isTokenAgentError(caught)
      ? { code: caught.code, message: redactWith(context, caught.message) }
      : { code: agentCodes.internal, message: 'internal error' };
    sendEvent({ error: coded });
  }
  res.end();
}

/**
 * The token a credential helper presents to the remote in the query (api.ts CredentialAnswer): the
 * definitions' `urls` are matched here, where they live, and the token comes in the same answer.
 */
async function credential(context: AgentContext, url: URL): Promise<CredentialAnswer> {
  const query = url.searchParams;
  const host = query.get('host');
  if (host === null || host === '') throw badRequest('host is required');
  const minValid = minValidOf(query.get('min_valid'));
  const protocol = query.get('protocol');
  const path = query.get('path');
  const remote = { host, ...(protocol ? { protocol } : {}), ...(path ? { path } : {}) };
  const now = context.now ?? Date.now;
  return resolveCredential(
    servedFromList(context.definitions()),
    remote,
    async (name) => tokenAnswer(await context.get(name, minValid), now()),
    (caught) => {
      // Told to the helper, which names the token: the same coded, redacted words as any error answer.
      // An agent stopping, or an uncoded failure, is an error answer of the whole request instead.
      if (!isTokenAgentError(caught) || caught.code === codes.agentStopping) throw caught;
      return { code: caught.code, message: redactWith(context, caught.message) };
    },
  );
}

function minValidOf(text: string | null): number {
  const minValid = text ?? '0';
  if (!/^\d{1,5}$/.test(minValid) || Number(minValid) > 86_400)
    throw badRequest('min_valid takes whole seconds from 0 to 86400');
  return Number(minValid);
}

export function tokenAnswer(token: IssuedToken, now: number): TokenAnswer {
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    ...(token.expiresAt !== undefined
      ? {
          expires_at: Math.floor(token.expiresAt / 1000),
          expires_in: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
        }
      : {}),
    ...(token.expiryAssumed ? { expiry_assumed: true as const } : {}),
    ...(token.expiryUnknown ? { expiry_unknown: true as const } : {}),
    ...(token.shortOfMinValid ? { short_of_min_valid: true as const } : {}),
    ...(token.refreshAt !== undefined ? { refresh_at: Math.floor(token.refreshAt / 1000) } : {}),
  };
}

/** Newline-delimited status documents: one at once, then one per change, until the client leaves. */
function streamEvents(context: AgentContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { ...baseHeaders, 'content-type': 'application/x-ndjson; charset=utf-8' });
  const write = (status: AgentStatus) => void res.write(`${JSON.stringify(status)}\n`);
  write(context.status());
  const unsubscribe = context.onStatus(write);
  // A long-lived stream must not be cut by the server's request timeout.
  req.socket.setTimeout(0);
  res.once('close', unsubscribe);
}
