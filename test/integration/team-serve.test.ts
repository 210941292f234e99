// `token-agent serve` as other local processes (and web pages) meet it: tokens on a private Unix
// socket, `token-agent get` through it, the bearer check on a loopback TCP port, requests from a
// rebinding page or a browser refused, no CORS at all, and a SIGTERM that lets a refresh in flight
// finish and keep its rotated refresh token.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { TokenState } from '../../agent/protocol';
import { verifyAccessToken } from '../support/agentCli';
import { createTeamWorkspace, httpGet, type Machine, type TeamWorkspace } from '../support/team';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { nextEvent, waitUntil } from '../support/waitFor';

let server: TokenServer;
let workspace: TeamWorkspace;

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  workspace = await createTeamWorkspace({ server, tokens: [{ name: 'api', refreshBeforeSeconds: 60 }] });
});

after(async () => {
  await workspace?.remove();
  await server?.close();
});

async function signedIn(name: string): Promise<Machine> {
  const machine = workspace.machine(name);
  await machine.setSecret(
    'api',
    'refresh_token',
    await server.mintRefreshToken({ clientId: server.publicClientId }),
  );
  return machine;
}

const noCors = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((header) => header.startsWith('access-control-'));

describe('token-agent serve', () => {
  it('serves tokens on a 0600 socket in a 0700 folder, and `get` goes through it', async () => {
    const machine = await signedIn('socket');
    const serving = await machine.serve();
    try {
      const socketPath = serving.socketPath ?? '';
      // The user's runtime folder; a config named with --config gets its own agent socket there.
      assert.equal(dirname(socketPath), join(machine.runtimeDir, 'token-agent'));
      assert.match(socketPath, /\/agent-[0-9a-f]{12}\.sock$/);
      const socketStats = await stat(socketPath);
      assert.ok(socketStats.isSocket());
      assert.equal(socketStats.mode & 0o777, 0o600);
      assert.equal((await stat(dirname(socketPath))).mode & 0o777, 0o700);

      const health = await httpGet({ socketPath }, '/healthz');
      assert.equal(health.status, 200);
      assert.equal((health.body as { status: string }).status, 'ok');

      const answer = await httpGet({ socketPath }, '/v1/tokens/api?min_valid=60');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const body = answer.body as { access_token: string; expires_at: number; expires_in: number };
      await verifyAccessToken(server, body.access_token);
      // The earlier of `exp` and request start + `expires_in` (jwtInfo.ts): up to a second before `exp`
      // when the request started in the second before the server stamped the token.
      const exp = decodeJwt(body.access_token).exp ?? 0;
      assert.ok(
        body.expires_at <= exp && body.expires_at >= exp - 1,
        `expires_at ${body.expires_at}, exp ${exp}`,
      );
      assert.ok(body.expires_in > 60 && body.expires_in <= 300, `expires_in ${body.expires_in}`);
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.deepEqual(noCors(answer.headers), []);

      const status = await httpGet({ socketPath }, '/v1/status');
      // The same status document as `token-agent status --json` and the editor's; no team configured.
      const report = status.body as {
        team?: unknown;
        store: unknown;
        tokens: { name: string; phase: string }[];
      };
      assert.equal(report.team, undefined);
      assert.deepEqual(report.store, { tier: 'file', plaintext: true });
      assert.deepEqual(
        report.tokens.map((token) => [token.name, token.phase]),
        [['api', 'fresh']],
      );
      assert.ok(!JSON.stringify(status.body).includes(body.access_token), 'the status holds no token');
      // Like the editor's agent, the sidecar checks each token's signature in the background.
      const verified = await nextEvent(async () => {
        const later = (await httpGet({ socketPath }, '/v1/status')).body as { tokens: TokenState[] };
        return later.tokens[0]?.verification;
      }, 'the signature check in /v1/status');
      assert.deepEqual(verified, { verified: true, algorithm: 'RS256' });

      const unknown = await httpGet({ socketPath }, '/v1/tokens/nope');
      assert.equal(unknown.status, 404);
      assert.equal((unknown.body as { error: { code: string } }).error.code, 'ERR_TOKEN_UNKNOWN');

      // `get` with an empty data folder could not refresh by itself: the token must come from serve.
      const grants = server.events.grantSuccess;
      const viaServe = await machine.run(['get', 'api', '--min-valid', '60'], {
        env: {
          XDG_DATA_HOME: join(workspace.dir, 'empty'),
          TOKEN_AGENT_SOCKET: socketPath,
          TOKEN_AGENT_NO_AGENT: '',
        },
      });
      assert.equal(viaServe.code, 0, viaServe.stderr);
      assert.equal(viaServe.stdout, `${body.access_token}\n`);
      assert.equal(server.events.grantSuccess, grants);

      // A `get` for another config file does not take serve's token: it falls back to its own engine.
      const otherConfig = await machine.run(['get', 'api', '--config', join(workspace.dir, 'missing.json')], {
        env: { TOKEN_AGENT_SOCKET: socketPath },
      });
      assert.equal(otherConfig.code, 1);
      assert.match(otherConfig.stderr, /ERR_CONFIG_INVALID: cannot read the config file/);
    } finally {
      const stopped = await serving.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
    }
    await assert.rejects(stat(serving.socketPath ?? ''), { code: 'ENOENT' });
  });

  it('on TCP: the bearer secret is required, a rebinding Host and browsers are refused, no CORS', async () => {
    const machine = await signedIn('tcp');
    const serving = await machine.serve(['127.0.0.1:0', `unix:${join(machine.runtimeDir, 's.sock')}`]);
    try {
      const port = serving.port ?? 0;
      const socketPath = serving.socketPath ?? '';
      const printed = await machine.run(['serve', '--print-secret']);
      assert.equal(printed.code, 0, printed.stderr);
      const secret = printed.stdout.trim();
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      const auth = { authorization: `Bearer ${secret}` };
      const tcp = { port };
      const code = (answer: { body: unknown }) => (answer.body as { error?: { code: string } }).error?.code;

      const answers = {
        noBearer: await httpGet(tcp, '/v1/tokens/api'),
        wrongBearer: await httpGet(tcp, '/v1/tokens/api', {
          headers: { authorization: `Bearer ${secret}x` },
        }),
        basic: await httpGet(tcp, '/v1/status', { headers: { authorization: `Basic ${secret}` } }),
        good: await httpGet(tcp, '/v1/tokens/api', { headers: auth }),
        health: await httpGet(tcp, '/healthz'),
        rebinding: await httpGet(tcp, '/v1/tokens/api', {
          headers: { ...auth, host: `attacker.example:${port}` },
        }),
        otherPort: await httpGet(tcp, '/v1/tokens/api', {
          headers: { ...auth, host: `127.0.0.1:${port + 1}` },
        }),
        browser: await httpGet(tcp, '/v1/tokens/api', {
          headers: { ...auth, origin: 'http://localhost:3000' },
        }),
        preflight: await httpGet(tcp, '/v1/tokens/api', {
          method: 'OPTIONS',
          headers: { origin: 'http://attacker.example', 'access-control-request-method': 'GET' },
        }),
        post: await httpGet(tcp, '/v1/tokens/api', { method: 'POST', headers: auth }),
        socketRebinding: await httpGet({ socketPath }, '/v1/tokens/api', {
          headers: { host: 'attacker.example' },
        }),
      };
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(answers).map(([what, answer]) => [what, [answer.status, code(answer)]]),
        ),
        {
          noBearer: [401, 'ERR_UNAUTHORIZED'],
          wrongBearer: [401, 'ERR_UNAUTHORIZED'],
          basic: [401, 'ERR_UNAUTHORIZED'],
          good: [200, undefined],
          health: [200, undefined],
          rebinding: [421, 'ERR_HOST_NOT_ALLOWED'],
          otherPort: [421, 'ERR_HOST_NOT_ALLOWED'],
          // A browser's request is refused before anything else is looked at: no preflight succeeds.
          browser: [403, 'ERR_ORIGIN_NOT_ALLOWED'],
          preflight: [403, 'ERR_ORIGIN_NOT_ALLOWED'],
          post: [405, 'ERR_METHOD_NOT_ALLOWED'],
          socketRebinding: [421, 'ERR_HOST_NOT_ALLOWED'],
        },
      );
      assert.equal(answers.noBearer.headers['www-authenticate'], 'Bearer realm="token-agent"');
      await verifyAccessToken(server, (answers.good.body as { access_token: string }).access_token);
      for (const [what, answer] of Object.entries(answers))
        assert.deepEqual(noCors(answer.headers), [], what);
      const bareOptions = await httpGet(tcp, '/v1/tokens/api', { method: 'OPTIONS' });
      assert.equal(bareOptions.status, 405);
      assert.deepEqual(noCors(bareOptions.headers), []);
      for (const answer of [answers.noBearer, answers.rebinding, answers.browser])
        assert.ok(!JSON.stringify(answer.body).includes('eyJ'), 'a refusal carries no token');
    } finally {
      await serving.stop();
    }
  });

  it('on SIGTERM, lets a refresh in flight finish and keeps its rotated refresh token', async () => {
    const machine = await signedIn('sigterm');
    const counted = { ...server.events };
    // The refresh that serve starts at once (it holds no token yet) takes 2.5 s to be answered.
    server.delayNext(1, 2500);
    const serving = await machine.serve();
    const socketPath = serving.socketPath ?? '';
    const pending = httpGet({ socketPath }, '/v1/tokens/api');
    await waitUntil(async () => {
      const status = await httpGet({ socketPath }, '/v1/status');
      return (status.body as { tokens: { phase: string }[] }).tokens[0]?.phase === 'refreshing';
    }, 'serve to be refreshing');
    const stopped = await serving.stop('SIGTERM');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /SIGTERM: stopping/);
    // The request in flight was answered before the server went away.
    const answer = await pending;
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const token = (answer.body as { access_token: string }).access_token;
    assert.equal(server.events.grantSuccess - counted.grantSuccess, 1);
    assert.equal(server.events.grantRevoked, 0);

    // The rotated refresh token was stored: the engine hands out the stored access token, and a forced
    // refresh with the stored refresh token succeeds without the grant being revoked.
    const got = await machine.run(['get', 'api']);
    assert.equal(got.stdout, `${token}\n`, got.stderr);
    const refreshed = await machine.run(['refresh', 'api']);
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.equal(server.events.grantRevoked, 0);
    assert.equal(server.events.grantError, counted.grantError);
  });
});
