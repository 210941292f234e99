// A real OAuth 2 authorization server (oidc-provider) on loopback, for the tests and the demo. It issues
// RS256 JWT access tokens for one API, rotates refresh tokens and revokes the whole grant when a rotated
// one is replayed (what real providers do to racing refreshers), records every token-endpoint outcome,
// and can be told to fail or hang the next requests.
import { generateKeyPair, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

export interface TokenServerOptions {
  /** Lifetime of the access tokens, in seconds. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens, in seconds (default 14 days). */
  refreshTokenTtlSeconds?: number;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /**
   * The loopback address to listen on and name in the issuer (default 127.0.0.1). code-server
   * routes URLs on localhost and 127.0.0.1 through its own proxy; one on 127.0.0.2 it opens as it is.
   */
  host?: string;
  /** More clients (oidc-provider client metadata), registered after the two built-in ones. */
  clients?: ClientMetadata[];
  /** The device flow's polling `interval`, in seconds; oidc-provider sends none (RFC 8628 default: 5). */
  deviceIntervalSeconds?: number;
  /** Every token-endpoint request waits this long before the provider sees it (a slow identity provider). */
  tokenEndpointDelayMs?: number;
  /**
   * Serve the provider under this path (`/oauth2/default`), which then ends the issuer, as Okta's and
   * Entra ID's issuers do. Default: at the root.
   */
  issuerPath?: string;
}

export type ClientMetadata = { client_id: string } & Record<string, unknown>;

export type TokenOutcome = 'success' | 'error' | 'revoked' | 'injected' | 'hung';

export interface TokenEndpointEvent {
  /** Date.now() when the server saw it. */
  at: number;
  outcome: TokenOutcome;
  /** The request's grant_type, when it got as far as being read. */
  grantType: string | undefined;
  /** The client that asked, when the provider got as far as reading it. */
  clientId?: string;
  /** The OAuth error code (outcome 'error'), or the grant id (outcome 'revoked'). */
  detail?: string;
  /** The HTTP status answered, for 'error' and 'injected'. */
  status?: number;
}

export type TokenEventCounts = Record<
  'grantSuccess' | 'grantError' | 'grantRevoked' | 'injected' | 'hung',
  number
>;

export interface Fault {
  status: number;
  /** A string is sent as is (labelled JSON unless `headers` say otherwise: the usual case is a broken
   *  JSON body); an object is sent as JSON. Default: an OAuth `temporarily_unavailable` error. */
  body?: string | Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Rewrites a successful token response's JSON; what the client then receives instead. */
export type Reshape = (body: Record<string, unknown>) => Record<string, unknown>;

export interface TokenServer {
  /** http://127.0.0.1:PORT (or the `host` asked for), plus `issuerPath` when asked for */
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  deviceAuthorizationEndpoint: string;
  /** A confidential client (client_secret_basic or _post): client_credentials, refresh_token, authorization_code. */
  clientId: string;
  clientSecret: string;
  /** A public client (no secret): refresh_token, authorization_code with PKCE, device_code. */
  publicClientId: string;
  /** The API's resource indicator, the `aud` of every access token. */
  resource: string;
  /** The API's only scope. */
  scope: string;
  accessTokenTtlSeconds: number;
  /** Outcome counts so far; live. */
  readonly events: Readonly<TokenEventCounts>;
  /** Every token-endpoint outcome so far, oldest first; live. */
  readonly log: readonly TokenEndpointEvent[];
  /**
   * How many requests reached `path` so far (`/device/auth`, `/auth`, `/token`…, under the issuer's
   * path when it has one), whatever became of them.
   */
  hits(path: string): number;
  /** Calls `listener` for each new outcome; returns a function that stops it. */
  onEvent(listener: (event: TokenEndpointEvent) => void): () => void;
  /**
   * A refresh token as if a user had signed in through a browser (offline_access + the API scope, and
   * `openid` when asked: the provider then adds an id_token to every refresh answer).
   */
  mintRefreshToken(options?: { accountId?: string; clientId?: string; openid?: boolean }): Promise<string>;
  /** The next `n` token-endpoint requests get `fault` instead of reaching the provider. */
  failNext(n: number, fault: Fault): void;
  /**
   * The next `n` successful token-endpoint answers are rewritten by `reshape` on their way out: the
   * provider has done its work (rotated the refresh token, retired the old one), only the client sees
   * a different answer. This is how a real provider's odd 200 answers are reproduced.
   */
  reshapeNext(n: number, reshape: Reshape): void;
  /** The next `n` token-endpoint requests are never answered (until close()). */
  hangNext(n: number): void;
  /** The next `n` token-endpoint requests wait `ms` before the provider sees them (on top of any delay). */
  delayNext(n: number, ms: number): void;
  close(): Promise<void>;
}

// oidc-provider ships no type declarations; these are the few members used here.
interface KoaContext {
  method: string;
  path: string;
  req: IncomingMessage;
  status: number;
  body: unknown;
  set(fields: Record<string, string>): void;
  oidc?: { params?: Record<string, unknown> };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface ClientModel {
  clientId: string;
}
interface GrantModel {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface OidcProvider {
  use(middleware: Middleware): void;
  on(event: 'grant.success', listener: (ctx: KoaContext) => void): void;
  on(
    event: 'grant.error',
    listener: (ctx: KoaContext, error: { error?: string; status?: number }) => void,
  ): void;
  on(event: 'grant.revoked', listener: (ctx: KoaContext, grantId: string) => void): void;
  on(event: 'server_error', listener: (ctx: KoaContext, error: Error) => void): void;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  Client: { find(id: string): Promise<ClientModel | undefined> };
  Grant: new (init: { clientId: string; accountId: string }) => GrantModel;
  RefreshToken: new (init: {
    client: ClientModel;
    accountId: string;
    grantId: string;
    gty: string;
    scope: string;
    resource: string;
  }) => { save(): Promise<string> };
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

const resource = 'https://api.token-agent.test';
const scope = 'api:read';
const publicClientId = 'cli';

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 300;
  const refreshTokenTtlSeconds = options.refreshTokenTtlSeconds ?? 14 * 24 * 60 * 60;

  // Listen first: the issuer must name the port, and with port 0 only the OS knows it.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  // Requests per path, counted on the server side (what a client cannot hide): `/device/auth`, `/auth`…
  const hits = new Map<string, number>();
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://server').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handle(req, res);
  });
  await new Promise<void>((listening, failed) => {
    http.once('error', failed);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', listening);
  });
  const { port } = http.address() as AddressInfo;
  const origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const issuerPath = options.issuerPath?.replace(/\/+$/, '') ?? '';
  const issuer = `${origin}${issuerPath}`;

  const clientId = 'token-agent-test';
  const clientSecret = `test-secret-${randomUUID()}`;
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

  const ttl = (seconds: number) => () => seconds;
  const configuration: Record<string, unknown> = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
        redirect_uris: [`${origin}/callback`],
      },
      {
        client_id: publicClientId,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      ...(options.clients ?? []),
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomUUID()] },
    findAccount: async (_ctx: unknown, accountId: string) => ({
      accountId,
      claims: async () => ({ sub: accountId }),
    }),
    scopes: ['openid', 'offline_access'],
    rotateRefreshToken: true,
    features: {
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope,
          audience: resource,
          accessTokenTTL: accessTokenTtlSeconds,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // Every TTL is set so no "you SHOULD change" notice is printed while tests run.
    ttl: {
      AccessToken: ttl(accessTokenTtlSeconds),
      ClientCredentials: ttl(accessTokenTtlSeconds),
      RefreshToken: ttl(refreshTokenTtlSeconds),
      AuthorizationCode: ttl(60),
      DeviceCode: ttl(600),
      IdToken: ttl(3600),
      Interaction: ttl(3600),
      Session: ttl(3600),
      Grant: ttl(refreshTokenTtlSeconds),
    },
  };

  const provider = await withoutOidcNotices(async () => {
    // ESM-only and untyped: import() works on every Node 20 from this CommonJS package (a static import
    // compiles to require(), which needs Node >= 20.19), and a string-typed specifier keeps TypeScript
    // from demanding declarations that do not exist.
    const specifier: string = 'oidc-provider';
    const { Provider } = (await import(specifier)) as { Provider: ProviderConstructor };
    const provider = new Provider(issuer, configuration);
    // Clients are validated on first use; a typo in one should fail here, not as a 400 mid-test.
    for (const { client_id } of configuration.clients as ClientMetadata[])
      if (!(await provider.Client.find(client_id)))
        throw new Error(`token server: client ${client_id} missing`);
    return provider;
  }).catch((error: unknown) => {
    // A bad configuration (say, a malformed extra client) must not leave the port open.
    http.close();
    throw error;
  });

  const events: TokenEventCounts = { grantSuccess: 0, grantError: 0, grantRevoked: 0, injected: 0, hung: 0 };
  const log: TokenEndpointEvent[] = [];
  const listeners = new Set<(event: TokenEndpointEvent) => void>();
  const record = (event: Omit<TokenEndpointEvent, 'at'>) => {
    const entry = { at: Date.now(), ...event };
    log.push(entry);
    for (const listener of listeners) listener(entry);
  };
  const grantTypeOf = (ctx: KoaContext) => {
    const value = ctx.oidc?.params?.grant_type;
    return typeof value === 'string' ? value : undefined;
  };
  const clientOf = (ctx: KoaContext) => {
    const value = ctx.oidc?.params?.client_id;
    return typeof value === 'string' ? { clientId: value } : {};
  };
  provider.on('grant.success', (ctx) => {
    events.grantSuccess++;
    record({ outcome: 'success', grantType: grantTypeOf(ctx), ...clientOf(ctx), status: 200 });
  });
  provider.on('grant.error', (ctx, error) => {
    events.grantError++;
    record({
      outcome: 'error',
      grantType: grantTypeOf(ctx),
      ...clientOf(ctx),
      detail: error.error,
      status: error.status,
    });
  });
  provider.on('grant.revoked', (ctx, grantId) => {
    events.grantRevoked++;
    record({ outcome: 'revoked', grantType: grantTypeOf(ctx), ...clientOf(ctx), detail: grantId });
  });
  // A 500 from the provider itself is a bug in this harness; keep it visible without Koa's stack dump.
  provider.on('server_error', (ctx, error) => {
    console.error(`token server: ${ctx.method} ${ctx.path}: ${error.stack ?? error.message}`);
  });

  type Planned = { kind: 'fail'; fault: Fault } | { kind: 'hang' } | { kind: 'delay'; ms: number };
  const planned: Planned[] = [];
  const reshapes: Reshape[] = [];
  let releaseHung: () => void = () => {};
  const closed = new Promise<void>((release) => {
    releaseHung = release;
  });
  const tokenPath = '/token';
  // In front of the provider's router (provider.use inserts before it). Only a faulted request's body
  // is read here: the provider refuses bodies already consumed upstream.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== tokenPath) return next();
    if (options.tokenEndpointDelayMs) await Promise.race([delay(options.tokenEndpointDelayMs), closed]);
    // A client that gave up during the delay is gone: the provider would find no body to read.
    if (!ctx.req.readable) return;
    if (planned.length === 0) return next();
    const plan = planned.shift() as Planned;
    // A delayed request then reaches the provider untouched: its body must not be read here.
    if (plan.kind === 'delay') {
      await Promise.race([delay(plan.ms), closed]);
      if (!ctx.req.readable) return;
      return next();
    }
    const grantType = new URLSearchParams(await readBody(ctx.req)).get('grant_type') ?? undefined;
    if (plan.kind === 'hang') {
      events.hung++;
      record({ outcome: 'hung', grantType });
      await closed;
      return;
    }
    const { status, body, headers = {} } = plan.fault;
    events.injected++;
    record({ outcome: 'injected', grantType, status });
    ctx.status = status;
    ctx.set({ 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    ctx.body =
      typeof body === 'string'
        ? body
        : JSON.stringify(
            body ?? {
              error: 'temporarily_unavailable',
              error_description: 'fault injected by the test token server',
            },
          );
  });
  // Behind the fault middleware: a reshaped answer is one the provider really gave.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== tokenPath || ctx.status !== 200 || !isRecord(ctx.body)) return;
    const reshape = reshapes.shift();
    if (reshape) ctx.body = reshape({ ...ctx.body });
  });
  // oidc-provider names no polling interval in its device authorization response; tests ask for a
  // short one so the device flow's end-to-end test does not wait 5 s per poll.
  const { deviceIntervalSeconds } = options;
  if (deviceIntervalSeconds !== undefined) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200 && isRecord(ctx.body))
        ctx.body.interval = deviceIntervalSeconds;
    });
  }
  const serve = provider.callback();
  // Mounted as Express mounts it: the provider sees the path below the mount, and finds the mount in
  // `originalUrl` when it writes its own URLs.
  handle = issuerPath
    ? (req, res) => {
        const url = req.url ?? '/';
        if (url !== issuerPath && !url.startsWith(`${issuerPath}/`) && !url.startsWith(`${issuerPath}?`)) {
          res.writeHead(404).end();
          return;
        }
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
        req.url = url.slice(issuerPath.length) || '/';
        serve(req, res);
      }
    : serve;

  return {
    issuer,
    tokenEndpoint: `${issuer}${tokenPath}`,
    jwksUri: `${issuer}/jwks`,
    deviceAuthorizationEndpoint: `${issuer}/device/auth`,
    clientId,
    clientSecret,
    publicClientId,
    resource,
    scope,
    accessTokenTtlSeconds,
    events,
    log,
    hits: (path) => hits.get(`${issuerPath}${path}`) ?? 0,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async mintRefreshToken({ accountId = 'test-user', clientId: forClient = clientId, openid = false } = {}) {
      const client = await provider.Client.find(forClient);
      if (!client) throw new Error(`token server: no client ${forClient}`);
      const grant = new provider.Grant({ clientId: forClient, accountId });
      const oidcScope = openid ? 'openid offline_access' : 'offline_access';
      grant.addOIDCScope(oidcScope);
      grant.addResourceScope(resource, scope);
      const grantId = await grant.save();
      return new provider.RefreshToken({
        client,
        accountId,
        grantId,
        gty: 'authorization_code',
        scope: `${oidcScope} ${scope}`,
        resource,
      }).save();
    },
    failNext(n, fault) {
      for (let i = 0; i < n; i++) planned.push({ kind: 'fail', fault });
    },
    hangNext(n) {
      for (let i = 0; i < n; i++) planned.push({ kind: 'hang' });
    },
    reshapeNext(n, reshape) {
      for (let i = 0; i < n; i++) reshapes.push(reshape);
    },
    delayNext(n, ms) {
      for (let i = 0; i < n; i++) planned.push({ kind: 'delay', ms });
    },
    async close() {
      const stopped = new Promise<void>((done) => http.close(() => done()));
      // Keep-alive and hung connections would hold close() open forever.
      http.closeAllConnections();
      releaseHung();
      await stopped;
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// oidc-provider prints development notices on import (Node 20 is "unsupported", though it works) and on
// construction (in-memory adapter, dev interactions). They say nothing about the test, so only lines
// from oidc-provider are dropped, and only while it loads.
async function withoutOidcNotices<T>(work: () => Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filtered =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (!String(args[0]).includes('oidc-provider ')) write.apply(console, args);
    };
  console.warn = filtered(warn);
  console.info = filtered(info);
  try {
    return await work();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}
