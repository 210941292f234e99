// Real consumers through the credential helpers: Debian's git clones and fetches over smart HTTP
// (git http-backend) through `token-agent git-credential`, and kubectl reaches an HTTPS endpoint
// through `token-agent kube-credential`, both against servers that accept only tokens that verify
// against the token server's keys, across several expiries of 6-second tokens.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type AgentWorkspace, agentBundle, createWorkspace, verifyAccessToken } from '../support/agentCli';
import { type GuardedServer, startGitServer, startKubeApi } from '../support/consumerServers';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { agentProcesses, killLeftoverAgents, tokenState } from '../support/userAgent';
import { waitUntil } from '../support/waitFor';

/** Short-lived tokens: several expiries fit in a test. */
const ttlSeconds = 6;
/** How long each consumer keeps working: about four token lifetimes. */
const spanMs = 4 * ttlSeconds * 1000;

let server: TokenServer;
let secrets: SecretService;
let dir: string;
const workspaces: AgentWorkspace[] = [];
const servers: GuardedServer[] = [];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end without blocking the event loop (the token server lives here). */
function exec(
  file: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<Result> {
  return new Promise((done) => {
    execFile(file, args, { ...options, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: ttlSeconds });
  secrets = await startSecretService();
  dir = await mkdtemp(join(tmpdir(), 'token-agent-consumers-'));
});

after(async () => {
  await killLeftoverAgents(workspaces);
  for (const guarded of servers) await guarded.close();
  for (const workspace of workspaces) await workspace.remove();
  await secrets?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function signedIn(entry: { name: string; urls?: string[] }, signIn = true): Promise<AgentWorkspace> {
  const workspace = await createWorkspace({
    server,
    secrets,
    tokens: [{ refreshBeforeSeconds: 2, ...entry }],
  });
  workspaces.push(workspace);
  if (signIn)
    await workspace.setSecret(
      entry.name,
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
  return workspace;
}

describe('git through token-agent git-credential', { timeout: 180_000 }, () => {
  let git: GuardedServer;
  let gitEnv: NodeJS.ProcessEnv;
  let workspace: AgentWorkspace;
  const root = () => join(dir, 'git');
  const helper = () =>
    `!'${process.execPath}' '${agentBundle}' git-credential --config '${workspace.configPath}'`;
  const gitIn = (cwd: string, args: string[]) =>
    exec('git', ['-c', 'credential.helper=', '-c', `credential.helper=${helper()}`, ...args], {
      cwd,
      env: gitEnv,
    });
  const plainGit = (cwd: string, args: string[]) => exec('git', args, { cwd, env: gitEnv });

  /** A new commit in the served repository, made by another clone over the file system. */
  async function commit(message: string): Promise<string> {
    const seed = join(dir, 'seed');
    await writeFile(join(seed, 'log.txt'), `${message}\n`, { flag: 'a' });
    for (const args of [
      ['add', 'log.txt'],
      ['commit', '-q', '-m', message],
      ['push', '-q', 'origin', 'HEAD:main'],
    ]) {
      const result = await plainGit(seed, args);
      assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
    }
    return (await plainGit(seed, ['rev-parse', 'HEAD'])).stdout.trim();
  }

  before(async () => {
    gitEnv = {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    };
    await exec('mkdir', ['-p', root(), join(dir, 'seed'), join(dir, 'home')], { env: gitEnv });
    assert.equal((await plainGit(root(), ['init', '-q', '--bare', '-b', 'main', 'repo.git'])).code, 0);
    const seed = join(dir, 'seed');
    assert.equal((await plainGit(seed, ['init', '-q', '-b', 'main'])).code, 0);
    assert.equal((await plainGit(seed, ['remote', 'add', 'origin', join(root(), 'repo.git')])).code, 0);
    await commit('first');
    git = await startGitServer(server, root());
    servers.push(git);
    workspace = await signedIn({ name: 'git', urls: [`${git.url}/`] });
    // git runs the helper with its own environment: the workspace's (keyring, data folder) on top.
    gitEnv = { ...gitEnv, ...workspace.env };
  });

  it('clones, then fetches every new commit across four token lifetimes with 0 authentication failures', async (t) => {
    const clone = join(dir, 'clone');
    const cloned = await gitIn(dir, ['clone', '-q', `${git.url}/repo.git`, clone]);
    assert.equal(cloned.code, 0, cloned.stderr);
    const started = Date.now();
    let fetches = 0;
    while (Date.now() - started < spanMs) {
      const head = await commit(`commit ${fetches}`);
      const fetched = await gitIn(clone, ['fetch', '-q', 'origin']);
      assert.equal(fetched.code, 0, `fetch ${fetches}: ${fetched.stderr}`);
      assert.equal((await plainGit(clone, ['rev-parse', 'origin/main'])).stdout.trim(), head);
      fetches++;
      await delay(700);
    }
    const accepted = git.auth.filter((record) => record.accepted);
    const tokens = new Set(accepted.map((record) => record.jti));
    t.diagnostic(
      `git: ${fetches} fetches, ${accepted.length} authenticated requests, ${tokens.size} distinct tokens`,
    );
    assert.deepEqual(git.failures(), [], 'no request with a token was refused');
    assert.ok(tokens.size >= 4, `git presented ${tokens.size} distinct tokens over ${fetches} fetches`);
    assert.ok(
      accepted.every((record) => record.scheme === 'Basic'),
      'git 2.39 sends Basic',
    );
  });

  it('erase: a token the server refused is refreshed once, and an erase of an older one refreshes nothing', async () => {
    // Long-lived tokens here, so that only the erase can cause a refresh.
    const longServer = await startTokenServer({ accessTokenTtlSeconds: 300 });
    try {
      const gate = await startGitServer(longServer, root());
      servers.push(gate);
      const ws = await createWorkspace({
        server: longServer,
        secrets,
        tokens: [{ name: 'erase-me', urls: [`${gate.url}/`], refreshBeforeSeconds: 2 }],
      });
      workspaces.push(ws);
      await ws.setSecret(
        'erase-me',
        'refresh_token',
        await longServer.mintRefreshToken({ clientId: longServer.publicClientId }),
      );
      const eraseHelper = `!'${process.execPath}' '${agentBundle}' git-credential --config '${ws.configPath}'`;
      const env = { ...gitEnv, ...ws.env };
      const withHelper = (args: string[], input?: string) =>
        new Promise<Result>((done) => {
          const child = execFile(
            'git',
            ['-c', 'credential.helper=', '-c', `credential.helper=${eraseHelper}`, ...args],
            { cwd: dir, env, timeout: 60_000 },
            (error, stdout, stderr) => done({ code: error ? 1 : 0, stdout, stderr }),
          );
          child.stdin?.end(input ?? '');
        });
      const describeRemote = `protocol=http\nhost=${new URL(gate.url).host}\n\n`;
      const filled = await withHelper(['credential', 'fill'], describeRemote);
      assert.equal(filled.code, 0, filled.stderr);
      const first = /^password=(.+)$/m.exec(filled.stdout)?.[1];
      assert.ok(first, 'git credential fill got a password');
      assert.equal((await withHelper(['ls-remote', `${gate.url}/repo.git`])).code, 0);
      // The agent hands back a token refreshed in the last 10 s instead of refreshing again.
      await waitUntil(
        async () => Date.now() - ((await tokenState(ws, 'erase-me')).lastRefreshAt ?? 0) > 10_500,
        'the last refresh to be 10 s old',
        20_000,
      );
      const grants = longServer.events.grantSuccess;
      gate.refuseNext(1);
      const refused = await withHelper(['ls-remote', `${gate.url}/repo.git`]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Authentication failed/);
      assert.equal(longServer.events.grantSuccess, grants + 1, "git's erase refreshed the token once");
      const again = await withHelper(['ls-remote', `${gate.url}/repo.git`]);
      assert.equal(again.code, 0, again.stderr);
      const jtis = gate.auth.filter((record) => record.accepted).map((record) => record.jti);
      assert.notEqual(jtis.at(-1), jtis[0], 'the next request carried the new token');
      // An erase of the token already replaced (another git process's late 401) refreshes nothing.
      const stale = await withHelper(
        ['credential', 'reject'],
        `${describeRemote.trim()}\nusername=x-access-token\npassword=${first}\n\n`,
      );
      assert.equal(stale.code, 0, stale.stderr);
      assert.equal(longServer.events.grantSuccess, grants + 1);
    } finally {
      await longServer.close();
    }
  });

  it('a remote the token does not serve gets nothing from the helper, and git is refused', async () => {
    const other = await signedIn({ name: 'other', urls: ['https://git.example.invalid/'] });
    const otherHelper = `!'${process.execPath}' '${agentBundle}' git-credential --config '${other.configPath}'`;
    const before = git.auth.length;
    const result = await exec(
      'git',
      [
        '-c',
        'credential.helper=',
        '-c',
        `credential.helper=${otherHelper}`,
        'ls-remote',
        `${git.url}/repo.git`,
      ],
      { cwd: dir, env: { ...gitEnv, ...other.env } },
    );
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stderr, /token-agent/, 'the helper said nothing');
    assert.ok(
      git.auth.slice(before).every((record) => record.scheme === 'none'),
      'git had no token to send',
    );
  });

  it('a served remote whose token needs a sign-in: git stops at once with what to do, opening nothing', async () => {
    const unsigned = await signedIn({ name: 'unsigned', urls: [`${git.url}/`] }, false);
    const unsignedHelper = `!'${process.execPath}' '${agentBundle}' git-credential --config '${unsigned.configPath}'`;
    const result = await exec(
      'git',
      [
        '-c',
        'credential.helper=',
        '-c',
        `credential.helper=${unsignedHelper}`,
        'ls-remote',
        `${git.url}/repo.git`,
      ],
      { cwd: dir, env: { ...gitEnv, ...unsigned.env } },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /token 'unsigned': ERR_NEEDS_SIGN_IN/);
    assert.match(result.stderr, /told us to quit/);
  });
});

describe('kubectl through token-agent kube-credential', { timeout: 180_000 }, () => {
  let api: GuardedServer & { caData: string };
  let workspace: AgentWorkspace;
  let kubeconfig: string;

  async function writeKubeconfig(apiVersion: string, name = 'kube'): Promise<string> {
    const path = join(dir, `kubeconfig-${name}-${apiVersion.split('/')[1]}`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: api.url, 'certificate-authority-data': api.caData } }],
      users: [
        {
          name: 'agent',
          user: {
            exec: {
              apiVersion,
              command: process.execPath,
              args: [agentBundle, 'kube-credential', name, '--config', workspace.configPath],
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'agent' } }],
      'current-context': 'local',
    };
    await writeFile(path, JSON.stringify(config));
    return path;
  }

  const kubectl = (config: string, args: string[]) =>
    exec('kubectl', ['--kubeconfig', config, ...args], {
      env: { PATH: process.env.PATH, HOME: join(dir, 'home'), ...workspace.env },
    });

  before(async () => {
    api = await startKubeApi(server);
    servers.push(api);
    workspace = await signedIn({ name: 'kube' });
    kubeconfig = await writeKubeconfig('client.authentication.k8s.io/v1beta1');
  });

  it('kubectl get --raw /api (exec v1beta1) across four token lifetimes with 0 authentication failures', async (t) => {
    const started = Date.now();
    let calls = 0;
    while (Date.now() - started < spanMs) {
      const result = await kubectl(kubeconfig, ['get', '--raw', '/api']);
      assert.equal(result.code, 0, `kubectl call ${calls}: ${result.stderr}`);
      assert.equal(JSON.parse(result.stdout).kind, 'APIVersions');
      calls++;
      await delay(700);
    }
    const tokens = new Set(api.auth.filter((record) => record.accepted).map((record) => record.jti));
    t.diagnostic(`kubectl: ${calls} calls, ${tokens.size} distinct tokens`);
    assert.deepEqual(api.failures(), []);
    assert.ok(tokens.size >= 4, `kubectl presented ${tokens.size} distinct tokens over ${calls} calls`);
  });

  it('one long-running kubectl (proxy) asks again at each expirationTimestamp: 0 failures over four lifetimes', async (t) => {
    // client-go keeps an exec credential until its expirationTimestamp: the refresh point makes it
    // run the plugin again before the token lapses, inside one process.
    const proxy = spawn('kubectl', ['--kubeconfig', kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1'], {
      env: { PATH: process.env.PATH, HOME: join(dir, 'home'), ...workspace.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let printed = '';
      proxy.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
      });
      proxy.stderr.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
      });
      await waitUntil(
        () => /Starting to serve on 127\.0\.0\.1:\d+/.test(printed),
        'kubectl proxy to listen',
        30_000,
      );
      const port = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(printed)?.[1];
      const before = api.auth.length;
      const started = Date.now();
      let calls = 0;
      while (Date.now() - started < spanMs) {
        const response = await fetch(`http://127.0.0.1:${port}/api`);
        assert.equal(response.status, 200, `call ${calls}: ${await response.text()}`);
        calls++;
        await delay(250);
      }
      const seen = api.auth.slice(before);
      const tokens = new Set(seen.filter((record) => record.accepted).map((record) => record.jti));
      t.diagnostic(`kubectl proxy: ${calls} requests, ${tokens.size} distinct tokens, one kubectl process`);
      assert.deepEqual(
        seen.filter((record) => !record.accepted),
        [],
        'no request was refused, none went without a token',
      );
      assert.ok(tokens.size >= 4, `one kubectl presented ${tokens.size} distinct tokens`);
    } finally {
      proxy.kill('SIGTERM');
    }
  });

  it('speaks exec v1 too, and kubectl shows its message when the token needs a sign-in', async () => {
    const v1 = await writeKubeconfig('client.authentication.k8s.io/v1');
    const result = await kubectl(v1, ['get', '--raw', '/version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /token-agent-test/);
    // Another name: the keyring is shared by the workspaces, and 'kube' has a refresh token in it.
    const unsigned = await signedIn({ name: 'kube-unsigned' }, false);
    const saved = workspace;
    workspace = unsigned;
    try {
      const config = await writeKubeconfig('client.authentication.k8s.io/v1', 'kube-unsigned');
      const refused = await kubectl(config, ['get', '--raw', '/api']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /token 'kube-unsigned': ERR_NEEDS_SIGN_IN/);
    } finally {
      workspace = saved;
    }
    assert.deepEqual(api.failures(), []);
  });
});

describe('docker-credential-token-agent and status NAME, as programs', { timeout: 120_000 }, () => {
  const helperBin = join(agentBundle, '..', 'docker-credential-token-agent.js');

  it('the docker helper binary answers get for a served registry and "not found" for another', async () => {
    const workspace = await signedIn({ name: 'registry', urls: ['https://registry.example.invalid'] });
    // Docker runs the helper with the action alone: the config comes from the environment.
    const env = { ...process.env, ...workspace.env, TOKEN_AGENT_CONFIG: workspace.configPath };
    const run = (action: string, input: string) =>
      new Promise<Result>((done) => {
        const child = execFile(helperBin, [action], { env, timeout: 60_000 }, (error, stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input);
      });
    const got = await run('get', 'registry.example.invalid\n');
    assert.equal(got.code, 0, got.stdout + got.stderr);
    const answer = JSON.parse(got.stdout) as { ServerURL: string; Username: string; Secret: string };
    assert.equal(answer.Username, 'x-access-token');
    assert.equal(answer.ServerURL, 'registry.example.invalid');
    await verifyAccessToken(server, answer.Secret);
    const missing = await run('get', 'other.example.invalid');
    assert.deepEqual([missing.code, missing.stdout], [1, 'credentials not found in native keychain\n']);
    const list = await run('list', '');
    assert.deepEqual(JSON.parse(list.stdout), { 'https://registry.example.invalid': 'x-access-token' });
  });

  it('--no-agent: git credential fill gets the token from an engine in the helper process', async () => {
    // Every command of this workspace runs in its own process, `secret set` included.
    const workspace = await createWorkspace({
      server,
      secrets,
      noAgent: true,
      tokens: [{ name: 'inproc', urls: ['https://git.example.invalid/'], refreshBeforeSeconds: 2 }],
    });
    workspaces.push(workspace);
    await workspace.setSecret(
      'inproc',
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
    const helper = `!'${process.execPath}' '${agentBundle}' git-credential --no-agent --config '${workspace.configPath}'`;
    const filled = await new Promise<Result>((done) => {
      const child = execFile(
        'git',
        ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, 'credential', 'fill'],
        { env: { ...process.env, ...workspace.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 60_000 },
        (error, stdout, stderr) => done({ code: error ? 1 : 0, stdout, stderr }),
      );
      child.stdin?.end('protocol=https\nhost=git.example.invalid\npath=x.git\n\n');
    });
    assert.equal(filled.code, 0, filled.stderr);
    const password = /^password=(.+)$/m.exec(filled.stdout)?.[1];
    assert.ok(password);
    await verifyAccessToken(server, password);
    assert.match(filled.stdout, /^username=x-access-token$/m);
    assert.deepEqual(await agentProcesses(workspace.configPath), [], 'no user agent was started');
  });

  it('status NAME --min-valid: 0 when valid long enough, 1 when not, 2 for an unknown name, silent', async () => {
    const workspace = await signedIn({ name: 'probe' });
    assert.equal((await workspace.run(['get', 'probe'])).code, 0);
    const valid = await workspace.run(['status', 'probe', '--min-valid', '1']);
    assert.deepEqual([valid.code, valid.stdout, valid.stderr], [0, '', '']);
    const tooLong = await workspace.run(['status', 'probe', '--min-valid', '3600']);
    assert.deepEqual([tooLong.code, tooLong.stdout, tooLong.stderr], [1, '', '']);
    const verbose = await workspace.run(['status', 'probe', '--min-valid', '3600', '--verbose']);
    assert.match(verbose.stderr, /'probe' is valid for \ds?, less than the 3600s asked/);
    const unknown = await workspace.run(['status', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no token named 'nope'/);
  });
});
