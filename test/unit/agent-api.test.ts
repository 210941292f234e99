// The user agent's socket API, end to end through the real client and handler on a real Unix socket,
// with a recording context in place of the engine: routing, the coded errors, the status stream, and
// the refusals that keep web pages and TCP callers away from anything that changes state.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { AgentClient } from '../../agent/daemon/client';
import { agentPaths } from '../../agent/daemon/paths';
import type { Listener } from '../../agent/daemon/requestGate';
import { type AgentContext, handleRequest, tokenAnswer } from '../../agent/daemon/routes';
import type { AgentStatus } from '../../agent/protocol';

function status(tokens: AgentStatus['tokens'] = []): AgentStatus {
  return {
    version: 'test',
    problems: [],
    pid: 1,
    startedAt: 0,
    health: 'ok',
    store: { tier: 'memory', plaintext: true },
    lint: { enabled: true },
    tokens,
  };
}

function fakeContext() {
  const calls: string[] = [];
  const listeners = new Set<(s: AgentStatus) => void>();
  const context: AgentContext = {
    configPath: '/cfg/config.json',
    stopping: () => false,
    status: () => status(),
    onStatus: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get: async (name, minValidSeconds) => {
      calls.push(`get ${name} ${minValidSeconds}`);
      if (name === 'nope') throw new TokenAgentError(codes.tokenUnknown, "No token named 'nope'.");
      return { accessToken: `fake-${name}`, expiresAt: 1_000_000 + 59_000, shortOfMinValid: true };
    },
    refresh: async (name) => {
      calls.push(`refresh ${name}`);
      return { name, type: 'static', phase: 'fresh', refreshBeforeSeconds: 120 };
    },
    setSecret: async (name, kind) => {
      calls.push(`set ${name} ${kind}`);
    },
    deleteSecret: async (name, kind) => {
      calls.push(`delete ${name} ${kind ?? 'all'}`);
    },
    definitions: () => ({ configPath: '/cfg/config.json', tokens: [], problems: [] }),
    define: async (name) => {
      calls.push(`define ${name}`);
      return {
        ok: false,
        configPath: '/cfg/config.json',
        problems: [{ field: 'type', message: 'bad type' }],
      };
    },
    removeDefinition: async (name) => {
      calls.push(`remove ${name}`);
      return { removed: true };
    },
    importDefinitions: async () => ({ configPath: '/cfg/config.json', imported: [], skipped: [] }),
    signIn: async (name, _flow, _signal, send) => {
      send({
        prompt: { flow: 'browser', authorizationUrl: 'http://127.0.0.1:1/authorize' },
        joined: false,
        id: 'caller-1',
      });
      throw new TokenAgentError(codes.signInDenied, `refused for ${name}`);
    },
    leaveSignIn: (name, id) => {
      calls.push(`leave ${name} ${id}`);
      return { left: id === 'caller-1' };
    },
    held: () => ({ tokens: [] }),
    timeline: async (hours, stamp) => {
      calls.push(`timeline ${hours} ${stamp ?? '-'}`);
      if (stamp === 'same') return { unchanged: true, stamp };
      return {
        stamp: 'next',
        auditLogPath: '/data/audit.jsonl',
        from: 1_000_000 - hours * 3_600_000,
        to: 1_000_000,
        tokens: [],
        rows: [],
        skipped: 2,
      };
    },
    now: () => 1_000_000,
  };
  const emit = (s: AgentStatus) => {
    for (const listener of listeners) listener(s);
  };
  return { context, calls, emit };
}

async function serve(context: AgentContext, path: string, listener: Listener): Promise<Server> {
  const server = createServer((req, res) => void handleRequest(context, listener, req, res));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

function raw(
  socketPath: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> },
) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({
        socketPath,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
      });
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.end();
    },
  );
}

describe('the user agent API', () => {
  let dir: string;
  let fake: ReturnType<typeof fakeContext>;
  let socketPath: string;
  let server: Server;
  let client: AgentClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-api-'));
    fake = fakeContext();
    socketPath = join(dir, 'agent.sock');
    server = await serve(fake.context, socketPath, { kind: 'unix' });
    client = new AgentClient(socketPath);
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a token in the OAuth shape, saying when it cannot live as long as asked', async () => {
    const answer = await client.getToken('api', 120);
    assert.deepEqual(answer, {
      access_token: 'fake-api',
      token_type: 'Bearer',
      expires_at: 1059,
      expires_in: 59,
      short_of_min_valid: true,
    });
  });

  it('says when the expiry is assumed (the provider did not say), and only then', () => {
    const base = { accessToken: 'fake-opaque', expiresAt: 3_600_000 };
    assert.deepEqual(tokenAnswer({ ...base, expiryAssumed: true }, 0), {
      access_token: 'fake-opaque',
      token_type: 'Bearer',
      expires_at: 3600,
      expires_in: 3600,
      expiry_assumed: true,
    });
    assert.equal('expiry_assumed' in tokenAnswer(base, 0), false);
  });

  it("throws the engine's coded error as it was", async () => {
    await assert.rejects(client.getToken('nope', 0), {
      code: codes.tokenUnknown,
      message: "No token named 'nope'.",
    });
  });

  it('routes mutations, and passes a refused definition back as a verdict', async () => {
    await client.setSecret('api', 'refresh_token', 'fake-value');
    await client.deleteSecret('api');
    const verdict = await client.define('api', { type: 'nonsense' });
    assert.deepEqual(verdict, {
      ok: false,
      configPath: '/cfg/config.json',
      problems: [{ field: 'type', message: 'bad type' }],
    });
    assert.deepEqual(await client.removeDefinition('api'), { removed: true });
    assert.deepEqual(fake.calls.slice(-4), [
      'set api refresh_token',
      'delete api all',
      'define api',
      'remove api',
    ]);
  });

  it('refuses a secret with a line break, without calling the store', async () => {
    const before = fake.calls.length;
    await assert.rejects(client.setSecret('api', 'refresh_token', 'a\nb'), { code: codes.badRequest });
    assert.equal(fake.calls.length, before);
  });

  it('streams the status: one at once, then one per change', async () => {
    const seen: AgentStatus[] = [];
    const abort = new AbortController();
    const ended = client.events((s) => {
      seen.push(s);
      if (seen.length === 1)
        fake.emit(status([{ name: 'later', type: 'static', phase: 'fresh', refreshBeforeSeconds: 1 }]));
      if (seen.length === 2) abort.abort();
    }, abort.signal);
    await ended;
    assert.deepEqual(
      seen.map((s) => s.tokens.map((t) => t.name)),
      [[], ['later']],
    );
  });

  it('streams a sign-in: the prompt, then the coded error', async () => {
    const events: unknown[] = [];
    await client.signIn('api', 'browser', (event) => events.push(event));
    assert.deepEqual(events, [
      {
        prompt: { flow: 'browser', authorizationUrl: 'http://127.0.0.1:1/authorize' },
        joined: false,
        id: 'caller-1',
      },
      { error: { code: codes.signInDenied, message: 'refused for api' } },
    ]);
  });

  it('answers the timeline, or only "unchanged" for the stamp the caller has; hours are bounded', async () => {
    const fresh = await client.timeline(24);
    assert.equal(fresh.unchanged, undefined);
    assert.ok(!fresh.unchanged && fresh.skipped === 2 && fresh.to - fresh.from === 24 * 3_600_000);
    assert.deepEqual(await client.timeline(6, 'same'), { unchanged: true, stamp: 'same' });
    assert.deepEqual(fake.calls.slice(-2), ['timeline 24 -', 'timeline 6 same']);
    const before = fake.calls.length;
    await assert.rejects(client.timeline(0), { code: codes.badRequest });
    await assert.rejects(client.timeline(169), { code: codes.badRequest });
    assert.equal(fake.calls.length, before);
  });

  it('lets one caller leave a sign-in by its id, and asks for the id', async () => {
    assert.deepEqual(await client.leaveSignIn('api', 'caller-1'), { left: true });
    assert.deepEqual(await client.leaveSignIn('api', 'someone-else'), { left: false });
    assert.ok(fake.calls.includes('leave api caller-1'));
    const noId = await raw(socketPath, '/v1/tokens/api/sign-in', {
      method: 'DELETE',
      headers: { host: 'localhost' },
    });
    assert.equal(noId.status, 400);
    const put = await raw(socketPath, '/v1/tokens/api/sign-in', {
      method: 'PUT',
      headers: { host: 'localhost' },
    });
    assert.deepEqual([put.status, put.headers.allow], [405, 'POST, DELETE']);
  });

  it('refuses browsers and rebinding hosts before routing', async () => {
    const origin = await raw(socketPath, '/v1/status', {
      headers: { host: 'localhost', origin: 'https://evil.example' },
    });
    const rebinding = await raw(socketPath, '/v1/status', { headers: { host: 'evil.example' } });
    assert.deepEqual([origin.status, rebinding.status], [403, 421]);
    assert.equal(Object.keys(origin.headers).filter((h) => h.startsWith('access-control-')).length, 0);
  });

  it('on TCP answers token reads only, never a change of state', async () => {
    const tcpPath = join(dir, 'as-tcp.sock');
    const tcp = await serve(fake.context, tcpPath, { kind: 'tcp', port: 80, bearer: 'fake-bearer' });
    try {
      const auth = { host: 'localhost', authorization: 'Bearer fake-bearer' };
      const put = await raw(tcpPath, '/v1/secrets/api/refresh_token', { method: 'PUT', headers: auth });
      const held = await raw(tcpPath, '/v1/held', { headers: auth });
      // The audit log names tokens, hosts and pids: for the socket's owner only.
      const timeline = await raw(tcpPath, '/v1/timeline', { headers: auth });
      assert.equal(timeline.status, 404);
      const noBearer = await raw(tcpPath, '/v1/tokens/api', { headers: { host: 'localhost' } });
      const token = await raw(tcpPath, '/v1/tokens/api', { headers: auth });
      assert.deepEqual([put.status, held.status, noBearer.status, token.status], [405, 404, 401, 200]);
    } finally {
      tcp.close();
    }
  });

  it('says "absent" when nothing listens, so a client can start the agent', async () => {
    await assert.rejects(new AgentClient(join(dir, 'none.sock')).health(), { reason: 'absent' });
  });
});

describe('agentPaths', () => {
  const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' };
  it('gives the default config the user socket, and any other config its own', () => {
    const base = agentPaths({ platform: 'linux', env });
    const other = agentPaths({ platform: 'linux', env, configFlag: '/tmp/other.json' });
    const again = agentPaths({ platform: 'linux', env: { ...env, TOKEN_AGENT_CONFIG: '/tmp/other.json' } });
    assert.equal(base.socketPath, '/run/user/1000/token-agent/agent.sock');
    assert.match(other.socketPath, /^\/run\/user\/1000\/token-agent\/agent-[0-9a-f]{12}\.sock$/);
    assert.equal(again.socketPath, other.socketPath);
    // The default config named explicitly is still the default agent's, not a second one over it.
    const named = agentPaths({
      platform: 'linux',
      env,
      configFlag: '/home/u/.config/token-agent/config.json',
    });
    assert.equal(named.socketPath, base.socketPath);
    assert.notEqual(
      agentPaths({ platform: 'linux', env, configFlag: '/tmp/third.json' }).socketPath,
      other.socketPath,
    );
  });
});
