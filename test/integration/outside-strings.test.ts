// Issue #18 item 4: every string from outside is redacted before it reaches an error, the status, a
// log line or a file. Marked secrets, made at run time, are planted in every outside string the agent
// can quote: a failing token command's stderr (a curl line with ?client_secret=…, an Authorization
// header, and the tokens the agent holds, echoed bare), the real token server's error answers (a 400
// whose error and error_description quote the refresh token presented and more, a 500 whose HTML body
// carries credentials), and a Redis server's error replies (a fake one on loopback: real Redis never
// echoes data in an error). Then everything a user can see is swept: the CLI's stdout and stderr,
// `status --json`, the agent's log and every file under the test's HOME, data, config and runtime
// folders. Against the built CLI and agent.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type AgentWorkspace,
  type CliResult,
  createWorkspace,
  readTree,
  verifyAccessToken,
} from '../support/agentCli';
import type { SecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { agentLog, killLeftoverAgents, pathsOf, stopAgent, tokenState } from '../support/userAgent';
import { nextEvent, waitUntil } from '../support/waitFor';

const planted = () => `planted-${randomUUID()}`;

/** A Redis stand-in that answers every command with an error quoting `text` (error injection). */
async function erringRedis(text: string): Promise<{ port: number; server: Server; commands: () => number }> {
  let seen = 0;
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      // One error per command; the count of RESP arrays is close enough to tell it answered.
      const commands = Math.max(1, chunk.toString('latin1').split('*').length - 1);
      seen += commands;
      for (let i = 0; i < commands; i++) socket.write(`-ERR ${text}\r\n`);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, server, commands: () => seen };
}

describe('outside strings are redacted everywhere they can surface', () => {
  let server: TokenServer;
  let redis: Awaited<ReturnType<typeof erringRedis>>;
  let workspace: AgentWorkspace | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const plantedValues = {
    commandQuery: planted(),
    commandBearer: planted(),
    providerDescription: planted(),
    providerError: planted(),
    bodyBearer: planted(),
    bodyKey: planted(),
    redisSecret: planted(),
    redisBearer: planted(),
  };

  before(async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 600 });
    redis = await erringRedis(
      `client_secret=${plantedValues.redisSecret} Authorization: Bearer ${plantedValues.redisBearer}`,
    );
  });

  after(async () => {
    if (workspace) await killLeftoverAgents([workspace]);
    await workspace?.remove();
    for (const cleanup of cleanups) await cleanup();
    await new Promise((resolve) => redis?.server.close(resolve));
    await server?.close();
  });

  it('0 occurrences of any planted value or held secret in stdout, stderr, the status, the logs and the files', {
    timeout: 120_000,
  }, async (t) => {
    workspace = await createWorkspace({
      server,
      // The file store needs no keyring: the Secret Service environment stays empty.
      secrets: { env: {} } as unknown as SecretService,
      tokens: [{ name: 'api' }],
      store: 'file',
    });
    const ws = workspace;
    const home = join(ws.dir, 'home');
    await mkdir(home, { recursive: true });
    ws.env.HOME = home;
    ws.env.TEAM_KEY = randomBytes(32).toString('base64');
    // The test's own fixture holds the planted values by construction: it sits outside the swept folders.
    const fixtures = await mkdtemp(join(tmpdir(), 'token-agent-fixture-'));
    cleanups.push(() => rm(fixtures, { recursive: true, force: true }));
    const script = join(fixtures, 'fetch-token.sh');
    const config = JSON.parse(await readFile(ws.configPath, 'utf8')) as {
      tokens: Record<string, unknown>[];
      redis?: unknown;
    };
    config.tokens.push({ name: 'cmd', type: 'command', command: [script], refreshBeforeSeconds: 60 });
    config.redis = { url: `redis://127.0.0.1:${redis.port}`, keyEnv: 'TEAM_KEY' };
    await writeFile(ws.configPath, `${JSON.stringify(config, null, 2)}\n`);

    const outputs: { what: string; text: string }[] = [];
    const run = async (args: string[], env?: Record<string, string>): Promise<CliResult> => {
      const result = await ws.run(args, env ? { env } : undefined);
      outputs.push({ what: `token-agent ${args.join(' ')}`, text: `${result.stdout}\n${result.stderr}` });
      return result;
    };

    // Signed in; the agent (started by `secret set`) refreshes at once and holds an access token.
    await ws.setSecret(
      'api',
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    // `get` prints the token by design: only its stderr is swept.
    const got = await ws.run(['get', 'api']);
    outputs.push({ what: 'token-agent get api (stderr)', text: got.stderr });
    assert.equal(got.code, 0, got.stderr);
    const accessToken = got.stdout.trim();
    await verifyAccessToken(server, accessToken);
    const secretsFile = join(ws.dataDir, 'secrets.json');
    const secretsOnDisk = () =>
      readFile(secretsFile, 'utf8').then(
        (text) => JSON.parse(text) as { tokens: Record<string, { refresh_token?: string }> },
      );
    const refreshToken = (await secretsOnDisk()).tokens.api?.refresh_token ?? '';
    assert.ok(refreshToken, 'the file store holds the refresh token');

    // 1. A token command that fails with secrets on its stderr, and the tokens the agent holds, bare.
    await writeFile(
      script,
      [
        '#!/bin/sh',
        // The agent quotes the first line: it holds everything, the held tokens first (bare).
        `echo "failed with ${accessToken} for ${refreshToken}: curl -H 'Authorization: Bearer ${plantedValues.commandBearer}' https://idp.example/t?client_secret=${plantedValues.commandQuery}" >&2`,
        `echo "curl: (22) The requested URL returned error: 401 https://idp.example/oauth/token?grant_type=client_credentials&client_secret=${plantedValues.commandQuery}" >&2`,
        `echo "> Authorization: Bearer ${plantedValues.commandBearer}" >&2`,
        `echo "the previous token was ${accessToken} and the grant ${refreshToken}" >&2`,
        'exit 1',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o700);
    const cmdGet = await run(['get', 'cmd']);
    assert.notEqual(cmdGet.code, 0, 'the failing command fails the get');
    assert.match(cmdGet.stderr, /ERR_COMMAND_FAILED/);
    assert.match(
      cmdGet.stderr,
      /curl -H 'Authorization: Bearer planted-…'/,
      'what went wrong stays readable',
    );
    assert.equal((await run(['refresh', 'cmd'])).code === 0, false);

    // 2. The provider: a 400 quoting the refresh token presented and more, then a 500 with an HTML body.
    // A forced refresh within 10 s of the last success hands back that token: wait the window out.
    const last = (await tokenState(ws, 'api')).lastRefreshAt ?? Date.now();
    await waitUntil(() => Date.now() > last + 10_500, 'the forced-refresh coalescing window to pass', 15_000);
    server.failNext(1, {
      status: 400,
      body: {
        error: `invalid_request password=${plantedValues.providerError}`,
        error_description: `refresh_token ${refreshToken} is not valid for this client; client_secret=${plantedValues.providerDescription}`,
      },
    });
    const first = await run(['refresh', 'api']);
    assert.notEqual(first.code, 0);
    assert.match(first.stderr, /ERR_TOKEN_ENDPOINT_HTTP/);
    server.failNext(1, {
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: `<html><pre>upstream said: Authorization: Bearer ${plantedValues.bodyBearer}\napi_key=${plantedValues.bodyKey}</pre></html>`,
    });
    const second = await run(['refresh', 'api']);
    assert.notEqual(second.code, 0);
    // The grant survived: a normal refresh works.
    const third = await run(['refresh', 'api']);
    assert.equal(third.code, 0, third.stderr);

    // 3. Redis: every reply an error that quotes credentials. The team's health shows Redis's error.
    const team = await nextEvent(async () => {
      const status = JSON.parse((await run(['status', '--json'])).stdout) as { team?: { detail?: string } };
      return status.team?.detail;
    }, 'the status to show the team degraded');
    t.diagnostic(`team detail: ${team}`);
    assert.ok(redis.commands() > 0, 'the agent talked to the erring Redis');
    assert.match(team, /ERR client_secret=/, "Redis's words stay readable");

    // `status` exits non-zero while a token is in error; what it prints is what is swept.
    const status = await run(['status', '--json']);
    assert.ok(JSON.parse(status.stdout).tokens.length === 2, status.stderr);
    await run(['status']);
    const stateCmd = await tokenState(ws, 'cmd');
    t.diagnostic(`cmd lastError: ${stateCmd.lastError?.message}`);
    const stateApi = await tokenState(ws, 'api');
    t.diagnostic(`api: ${JSON.stringify(stateApi.lastError)} / CLI said: ${first.stderr.trim()}`);

    await stopAgent(ws);
    const log = await agentLog(ws);
    assert.match(log, /refresh failed/, 'the log has the failures');

    // The sweep. Held secrets legitimately sit in the plaintext store file, and nowhere else.
    const runtimeDir = dirname(pathsOf(ws).socketPath);
    const files = [
      ...(await readTree(ws.dir)),
      ...(runtimeDir.startsWith(ws.dir) ? [] : await readTree(runtimeDir)),
    ];
    const places = [
      ...outputs.map(({ what, text }) => ({ where: what, text, storeFile: false })),
      { where: 'the agent log', text: log, storeFile: false },
      ...files.map(({ path, text }) => ({ where: path, text, storeFile: path === secretsFile })),
    ];
    const needles = [
      ...Object.entries(plantedValues).flatMap(([what, value]) => [
        { what, value, held: false },
        { what: `${what} (random part)`, value: value.slice('planted-'.length), held: false },
      ]),
      { what: 'the held access token', value: accessToken.split('.')[2] ?? accessToken, held: true },
      { what: 'the refresh token', value: refreshToken, held: true },
      { what: 'the refresh token, past the visible prefix', value: refreshToken.slice(8, 20), held: true },
    ];
    const found: string[] = [];
    for (const place of places)
      for (const needle of needles)
        if (!(needle.held && place.storeFile) && place.text.includes(needle.value))
          found.push(`${needle.what} in ${place.where}`);
    t.diagnostic(`swept ${places.length} outputs and files for ${needles.length} values`);
    assert.deepEqual(found, [], `leaks:\n${found.join('\n')}`);
  });
});
