// A canned authorization server behind an injected `fetch`, for unit tests that need exact answers in
// an exact order (RFC 8628 slow_down, errors on cue) without any network. It proves pacing and error
// handling only; the integration tests use the real oidc-provider for everything else.

export const fakeIssuer = 'https://as.example';

export interface Canned {
  status?: number;
  body: Record<string, unknown>;
}

export interface SeenRequest {
  method: string;
  url: string;
  form: URLSearchParams;
}

export interface FakeServer {
  fetch: typeof fetch;
  /** Every request so far, oldest first. */
  seen: SeenRequest[];
  /** Token endpoint requests so far. */
  tokenRequests(): SeenRequest[];
  /** Answers for the next token endpoint requests, in order; the last one repeats. */
  answerToken(...answers: Canned[]): void;
  /** Replaces the discovery document's fields (undefined removes one). */
  metadata: Record<string, unknown>;
  /** The device authorization response. */
  deviceAuthorization: Record<string, unknown>;
}

export function startFakeServer(): FakeServer {
  const metadata: Record<string, unknown> = {
    issuer: fakeIssuer,
    authorization_endpoint: `${fakeIssuer}/authorize`,
    token_endpoint: `${fakeIssuer}/token`,
    device_authorization_endpoint: `${fakeIssuer}/device`,
    jwks_uri: `${fakeIssuer}/jwks`,
    scopes_supported: ['openid', 'offline_access', 'api:read'],
    authorization_response_iss_parameter_supported: true,
  };
  const deviceAuthorization: Record<string, unknown> = {
    device_code: 'device-code-1',
    user_code: 'WDJB-MJHT',
    verification_uri: `${fakeIssuer}/activate`,
    verification_uri_complete: `${fakeIssuer}/activate?user_code=WDJB-MJHT`,
    expires_in: 600,
    interval: 2,
  };
  let tokenAnswers: Canned[] = [{ body: tokenBody(1) }];
  const seen: SeenRequest[] = [];
  const fake: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const body = init?.body;
    const form = new URLSearchParams(typeof body === 'string' || body instanceof URLSearchParams ? body : '');
    seen.push({ method, url: url.href, form });
    const json = (status: number, value: unknown) =>
      new Response(JSON.stringify(value), {
        status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    switch (`${method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(200, metadata);
      case 'POST /device':
        return json(200, deviceAuthorization);
      case 'POST /token': {
        const answer = tokenAnswers.length > 1 ? tokenAnswers.shift() : tokenAnswers[0];
        if (!answer) throw new Error('fake server: no token answer');
        return json(answer.status ?? 200, answer.body);
      }
      default:
        return json(404, { error: 'not_found' });
    }
  };
  return {
    fetch: fake,
    seen,
    tokenRequests: () => seen.filter((request) => new URL(request.url).pathname === '/token'),
    answerToken(...answers) {
      tokenAnswers = answers;
    },
    metadata,
    deviceAuthorization,
  };
}

/** A successful token response; `n` tells one from another. Values are built, not token-shaped. */
export function tokenBody(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access_token: ['access', 'token', n].join('-'),
    refresh_token: ['refresh', 'token', n].join('-'),
    token_type: 'Bearer',
    expires_in: 300,
    ...extra,
  };
}

export function oauthError(error: string, status = 400): Canned {
  return { status, body: { error, error_description: `canned ${error}` } };
}

/** A clock that only moves when the code under test sleeps, and records every sleep. */
export function fakeClock(start = 1_800_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}
