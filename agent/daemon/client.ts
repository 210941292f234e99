// A client of the user agent: one HTTP request per call on its Unix socket. Used by the CLI, the
// helpers and each editor window's language server. Nothing here holds a token longer than a call,
// and a client stopping at any moment never interrupts what the agent is doing for it.
import { request } from 'node:http';
import { codes, type ErrorCodeString, isTokenAgentError, TokenAgentError } from '../base/errors';
import { checkSocketTrust } from '../base/privateFolder';
import type { AgentStatus, SecretKind, SignInFlow, TokenState } from '../protocol';
import {
  agentCodes,
  type CredentialAnswer,
  type DefineAnswer,
  type DefinitionList,
  type Health,
  type HeldAnswer,
  type ImportAnswer,
  type LeaveSignInAnswer,
  routes,
  type SignInEvent,
  type TimelineAnswer,
  type TokenAnswer,
} from './api';
import {
  AgentWedged,
  healthTimeoutMs,
  heartbeatEveryMs,
  noAnswerError,
  otherRequestMs,
  socketHolder,
  streamStartMs,
  tokenRequestMs,
  watchLiveness,
} from './liveness';

export interface CallOptions {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  body?: unknown;
  /** The whole call, refresh included; by default sized to the route (limitFor). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Errors a client raises itself, when the answer never came. */
export class AgentUnreachable extends Error {
  constructor(
    message: string,
    readonly reason: 'absent' | 'timeout' | 'closed',
  ) {
    super(message);
  }
}

export class AgentClient {
  constructor(readonly socketPath: string) {}

  health(timeoutMs = healthTimeoutMs): Promise<Health> {
    return this.call<Health>(routes.health, { timeoutMs });
  }

  status(): Promise<AgentStatus> {
    return this.call<AgentStatus>(routes.status);
  }

  getToken(name: string, minValidSeconds: number, options: CallOptions = {}): Promise<TokenAnswer> {
    return this.call<TokenAnswer>(routes.token(name, minValidSeconds), options);
  }

  /** The token a git or docker credential helper presents to `remote` (api.ts CredentialAnswer). */
  credential(
    remote: { protocol?: string; host: string; path?: string },
    minValidSeconds: number,
  ): Promise<CredentialAnswer> {
    return this.call<CredentialAnswer>(routes.credential(remote, minValidSeconds));
  }

  refresh(name: string): Promise<TokenState> {
    return this.call<TokenState>(routes.refresh(name), { method: 'POST', body: {} });
  }

  /**
   * `keepOther`: refuse (ERR_CONFIG_INVALID) when the store already holds a different value under a
   * name no token is defined for — an earlier quick fix's value must not be replaced by another.
   */
  async setSecret(
    name: string,
    kind: SecretKind,
    value: string,
    options: { keepOther?: boolean } = {},
  ): Promise<void> {
    await this.call(routes.secret(name, kind), {
      method: 'PUT',
      body: { value, ...(options.keepOther ? { keepOther: true } : {}) },
    });
  }

  async deleteSecret(name: string, kind?: SecretKind): Promise<void> {
    await this.call(routes.secret(name, kind), { method: 'DELETE' });
  }

  definitions(): Promise<DefinitionList> {
    return this.call<DefinitionList>(routes.definitions);
  }

  /** Adds a definition; one of that name already defined is refused unless `replace` is given. */
  define(
    name: string,
    definition: Record<string, unknown>,
    options: { replace?: boolean } = {},
  ): Promise<DefineAnswer> {
    return this.call<DefineAnswer>(routes.definition(name), {
      method: 'PUT',
      body: { definition, ...(options.replace ? { replace: true } : {}) },
    });
  }

  removeDefinition(name: string): Promise<{ removed: boolean }> {
    return this.call<{ removed: boolean }>(routes.definition(name), { method: 'DELETE' });
  }

  importDefinitions(entries: unknown[]): Promise<ImportAnswer> {
    return this.call<ImportAnswer>(routes.importDefinitions, { method: 'POST', body: { entries } });
  }

  timeline(hours: number, stamp?: string): Promise<TimelineAnswer> {
    return this.call<TimelineAnswer>(routes.timeline(hours, stamp));
  }

  held(): Promise<HeldAnswer> {
    return this.call<HeldAnswer>(routes.held);
  }

  /** Streams the sign-in's events; the sign-in is cancelled when `signal` aborts. */
  signIn(
    name: string,
    flow: SignInFlow,
    onEvent: (event: SignInEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.#stream(
      routes.signIn(name),
      { method: 'POST', body: { flow } },
      (line) => onEvent(JSON.parse(line) as SignInEvent),
      signal,
    );
  }

  /** Stops waiting on a sign-in (the id its first event gave); the flow goes on for other callers. */
  leaveSignIn(name: string, id: string): Promise<LeaveSignInAnswer> {
    return this.call<LeaveSignInAnswer>(routes.leaveSignIn(name, id), { method: 'DELETE' });
  }

  /**
   * Subscribes to the agent's status: the first document at once, then one per change. Resolves
   * when the stream ends (the agent stopped, or `signal` aborted).
   */
  events(onStatus: (status: AgentStatus) => void, signal?: AbortSignal): Promise<void> {
    return this.#stream(
      routes.events,
      { method: 'GET' },
      (line) => onStatus(JSON.parse(line) as AgentStatus),
      signal,
    );
  }

  /**
   * One request; a coded answer from the agent is thrown as the TokenAgentError it was. Bounded by
   * `timeoutMs` (by default sized to the route: liveness.ts); a request that may wait long is watched
   * by /healthz meanwhile, so a paused agent is reported in seconds, not at the limit.
   */
  call<T>(path: string, options: CallOptions = {}): Promise<T> {
    const { method = 'GET', timeoutMs = limitFor(path) } = options;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const startedAt = Date.now();
    return new Promise<T>((settle, fail) => {
      checkSocketTrust(this.socketPath);
      const req = request({
        socketPath: this.socketPath,
        path,
        method,
        headers: {
          host: 'localhost',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      let unanswered: 'limit' | 'wedged' | undefined;
      const giveUp = (why: 'limit' | 'wedged') => {
        unanswered = why;
        req.destroy(new AgentUnreachable('no answer in time', 'timeout'));
      };
      const timer = setTimeout(() => giveUp('limit'), timeoutMs);
      const unwatch =
        path !== routes.health && timeoutMs > heartbeatEveryMs
          ? watchLiveness(
              () => this.#answers(),
              () => giveUp('wedged'),
            )
          : () => undefined;
      const done = () => {
        clearTimeout(timer);
        unwatch();
      };
      const failWith = (error: NodeJS.ErrnoException) => {
        done();
        if (unanswered === undefined) return fail(unreachable(error, this.socketPath));
        // The agent holds the socket but did not answer: name it and say how to fix it.
        void socketHolder(this.socketPath).then((pid) =>
          fail(
            noAnswerError({
              socketPath: this.socketPath,
              pid,
              waitedMs: Date.now() - startedAt,
              wedged: unanswered === 'wedged' || path === routes.health,
            }),
          ),
        );
      };
      req.once('error', failWith);
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('error', failWith);
        res.once('end', () => {
          done();
          try {
            settle(interpret<T>(res.statusCode ?? 0, text));
          } catch (error) {
            fail(error);
          }
        });
      });
      req.end(payload);
    });
  }

  /** Whether /healthz answers within its short limit (a 503 of a stopping agent is an answer). */
  async #answers(): Promise<boolean> {
    try {
      await this.health();
      return true;
    } catch (error) {
      if (error instanceof AgentWedged) return false;
      if (isTokenAgentError(error)) return true;
      throw error;
    }
  }

  #stream(
    path: string,
    options: CallOptions,
    onLine: (line: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise<void>((settle, fail) => {
      checkSocketTrust(this.socketPath);
      const req = request({
        socketPath: this.socketPath,
        path,
        method: options.method ?? 'GET',
        headers: {
          host: 'localhost',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      });
      const onAbort = () => req.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      // The stream lasts as long as it needs, but it must begin: a paused agent never starts it.
      let unanswered = false;
      const startTimer = setTimeout(() => {
        unanswered = true;
        req.destroy(new AgentUnreachable('no answer in time', 'timeout'));
      }, streamStartMs);
      const done = (error?: unknown) => {
        clearTimeout(startTimer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined || signal?.aborted) settle();
        else fail(error);
      };
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (!unanswered) return done(unreachable(error, this.socketPath));
        void socketHolder(this.socketPath).then((pid) =>
          done(noAnswerError({ socketPath: this.socketPath, pid, waitedMs: streamStartMs, wedged: true })),
        );
      });
      req.once('response', (res) => {
        clearTimeout(startTimer);
        if (res.statusCode !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.once('end', () => {
            try {
              interpret(res.statusCode ?? 0, text);
              done();
            } catch (error) {
              done(error);
            }
          });
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (line.trim() !== '') onLine(line);
          }
        });
        res.once('error', () => done());
        res.once('close', () => done());
      });
      req.end(payload);
    });
  }
}

/**
 * The default limit of a request: a token read or refresh may wait on refreshes, and so may a
 * credential helper's `/v1/credential` (it reads a token); the rest may not.
 */
export function limitFor(path: string): number {
  if (path === routes.health) return healthTimeoutMs;
  return path.startsWith('/v1/tokens/') || path.startsWith('/v1/credential')
    ? tokenRequestMs
    : otherRequestMs;
}

function interpret<T>(status: number, text: string): T {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TokenAgentError(codes.agentUnavailable, `the token agent answered ${status} without JSON`);
  }
  if (status >= 200 && status < 300) return body as T;
  const failure = (body as { error?: { code?: unknown; message?: unknown } }).error;
  const code = typeof failure?.code === 'string' ? failure.code : agentCodes.internal;
  const message =
    typeof failure?.message === 'string' ? failure.message : `the token agent answered ${status}`;
  throw new TokenAgentError(code as ErrorCodeString, message);
}

function unreachable(error: NodeJS.ErrnoException, socketPath: string): Error {
  if (error instanceof AgentUnreachable) return error;
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
    return new AgentUnreachable(`no token agent listens on ${socketPath}`, 'absent');
  return new AgentUnreachable(
    `the token agent closed the connection (${error.code ?? error.message})`,
    'closed',
  );
}
