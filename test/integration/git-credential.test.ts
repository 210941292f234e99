// Debian's git through `token-agent git-credential`: clones and fetches over smart HTTP (git
// http-backend behind a gate that accepts only tokens verifying against the token server's keys),
// across four lifetimes of 6-second tokens; erase after a refusal; remotes it does not serve; a token
// that needs a sign-in.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type AgentWorkspace, agentBundle, createWorkspace, verifyAccessToken } from '../support/agentCli';
import { type ConsumerHarness, exec, startConsumerHarness } from '../support/consumerHarness';
import { type GuardedServer, startGitServer } from '../support/consumerServers';
import { startTokenServer } from '../support/tokenServer';
import { agentProcesses, tokenState } from '../support/userAgent';
import { waitUntil } from '../support/waitFor';

const ttlSeconds = 6;
/** About four token lifetimes. */
const spanMs = 4 * ttlSeconds * 1000;

let harness: ConsumerHarness;
let git: GuardedServer;
let baseEnv: NodeJS.ProcessEnv;
const root = () => join(harness.dir, 'git');
const seed = () => join(harness.dir, 'seed');

/** git with only token-agent as its credential helper, for `workspace`'s config and environment. */
function gitWith(workspace: AgentWorkspace, args: string[], options: { cwd?: string; input?: string } = {}) {
  const helper = `!'${process.execPath}' '${agentBundle}' git-credential --config '${workspace.configPath}'`;
  return exec('git', ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, ...args], {
    cwd: options.cwd ?? harness.dir,
    // git runs the helper with its own environment: the workspace's (keyring, data folder) on top.
    env: { ...baseEnv, ...workspace.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

const plainGit = (cwd: string, args: string[]) => exec('git', args, { cwd, env: baseEnv });

/** A new commit in the served repository, pushed over the file system by another clone. */
async function commit(message: string): Promise<string> {
  await writeFile(join(seed(), 'log.txt'), `${message}\n`, { flag: 'a' });
  for (const args of [
    ['add', 'log.txt'],
    ['commit', '-q', '-m', message],
    ['push', '-q', 'origin', 'HEAD:main'],
  ]) {
    const result = await plainGit(seed(), args);
    assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
  }
  return (await plainGit(seed(), ['rev-parse', 'HEAD'])).stdout.trim();
}

before(async () => {
  harness = await startConsumerHarness(ttlSeconds);
  baseEnv = {
    PATH: process.env.PATH,
    HOME: join(harness.dir, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
  };
  for (const folder of [root(), seed(), join(harness.dir, 'home')]) await mkdir(folder, { recursive: true });
  assert.equal((await plainGit(root(), ['init', '-q', '--bare', '-b', 'main', 'repo.git'])).code, 0);
  assert.equal((await plainGit(seed(), ['init', '-q', '-b', 'main'])).code, 0);
  assert.equal((await plainGit(seed(), ['remote', 'add', 'origin', join(root(), 'repo.git')])).code, 0);
  await commit('first');
  git = await startGitServer(harness.server, root());
  harness.servers.push(git);
});

after(async () => {
  await harness?.close();
});

describe('git through token-agent git-credential', { timeout: 180_000 }, () => {
  it('clones, then fetches every new commit across four token lifetimes with 0 authentication failures', async (t) => {
    const workspace = await harness.signedIn({ name: 'git', urls: [`${git.url}/`] });
    const clone = join(harness.dir, 'clone');
    const cloned = await gitWith(workspace, ['clone', '-q', `${git.url}/repo.git`, clone]);
    assert.equal(cloned.code, 0, cloned.stderr);
    const started = Date.now();
    let fetches = 0;
    while (Date.now() - started < spanMs) {
      const head = await commit(`commit ${fetches}`);
      const fetched = await gitWith(workspace, ['fetch', '-q', 'origin'], { cwd: clone });
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
      harness.servers.push(gate);
      const workspace = await createWorkspace({
        server: longServer,
        secrets: harness.secrets,
        tokens: [{ name: 'erase-me', urls: [`${gate.url}/`], refreshBeforeSeconds: 2 }],
      });
      harness.workspaces.push(workspace);
      await workspace.setSecret(
        'erase-me',
        'refresh_token',
        await longServer.mintRefreshToken({ clientId: longServer.publicClientId }),
      );
      const remote = `protocol=http\nhost=${new URL(gate.url).host}\n`;
      const filled = await gitWith(workspace, ['credential', 'fill'], { input: `${remote}\n` });
      assert.equal(filled.code, 0, filled.stderr);
      const first = /^password=(.+)$/m.exec(filled.stdout)?.[1];
      assert.ok(first, 'git credential fill got a password');
      assert.equal((await gitWith(workspace, ['ls-remote', `${gate.url}/repo.git`])).code, 0);
      // The agent hands back a token refreshed in the last 10 s instead of refreshing again.
      await waitUntil(
        async () => Date.now() - ((await tokenState(workspace, 'erase-me')).lastRefreshAt ?? 0) > 10_500,
        'the last refresh to be 10 s old',
        20_000,
      );
      const grants = longServer.events.grantSuccess;
      gate.refuseNext(1);
      const refused = await gitWith(workspace, ['ls-remote', `${gate.url}/repo.git`]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Authentication failed/);
      assert.equal(longServer.events.grantSuccess, grants + 1, "git's erase refreshed the token once");
      const again = await gitWith(workspace, ['ls-remote', `${gate.url}/repo.git`]);
      assert.equal(again.code, 0, again.stderr);
      const jtis = gate.auth.filter((record) => record.accepted).map((record) => record.jti);
      assert.notEqual(jtis.at(-1), jtis[0], 'the next request carried the new token');
      // An erase of the token already replaced (another git process's late 401) refreshes nothing.
      const stale = await gitWith(workspace, ['credential', 'reject'], {
        input: `${remote}username=x-access-token\npassword=${first}\n\n`,
      });
      assert.equal(stale.code, 0, stale.stderr);
      assert.equal(longServer.events.grantSuccess, grants + 1);
    } finally {
      await longServer.close();
    }
  });

  it('a remote the token does not serve gets nothing from the helper, and git is refused', async () => {
    const other = await harness.signedIn({ name: 'other', urls: ['https://git.example.invalid/'] });
    const before = git.auth.length;
    const result = await gitWith(other, ['ls-remote', `${git.url}/repo.git`]);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stderr, /token-agent/, 'the helper said nothing');
    assert.ok(
      git.auth.slice(before).every((record) => record.scheme === 'none'),
      'git had no token to send',
    );
  });

  it('a served remote whose token needs a sign-in: git stops at once with what to do, opening nothing', async () => {
    const unsigned = await harness.signedIn({ name: 'unsigned', urls: [`${git.url}/`] }, false);
    const result = await gitWith(unsigned, ['ls-remote', `${git.url}/repo.git`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /token 'unsigned': ERR_NEEDS_SIGN_IN/);
    assert.match(result.stderr, /told us to quit/);
  });

  it('--no-agent: git credential fill gets the token from an engine in the helper process', async () => {
    // Every command of this workspace runs in its own process, `secret set` included.
    const workspace = await createWorkspace({
      server: harness.server,
      secrets: harness.secrets,
      noAgent: true,
      tokens: [{ name: 'inproc', urls: ['https://git.example.invalid/'], refreshBeforeSeconds: 2 }],
    });
    harness.workspaces.push(workspace);
    await workspace.setSecret(
      'inproc',
      'refresh_token',
      await harness.server.mintRefreshToken({ clientId: harness.server.publicClientId }),
    );
    const filled = await gitWith(workspace, ['credential', 'fill'], {
      input: 'protocol=https\nhost=git.example.invalid\npath=x.git\n\n',
    });
    assert.equal(filled.code, 0, filled.stderr);
    const password = /^password=(.+)$/m.exec(filled.stdout)?.[1];
    assert.ok(password);
    await verifyAccessToken(harness.server, password);
    assert.match(filled.stdout, /^username=x-access-token$/m);
    assert.deepEqual(await agentProcesses(workspace.configPath), [], 'no user agent was started');
  });
});
