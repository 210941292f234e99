// The credential helpers' `get` through the small entry point (dist/agent.js, agent/fast/) against the
// full CLI (dist/agent-main.js) on the same running agent, one table of cases for git, kubectl and
// docker: byte-identical stdout and stderr, the same exit codes, and the full CLI never loaded on the
// fast path (a preloaded probe reports whether agent-main.js was required). Actions the fast path
// does not take, and no agent at all, are handed to the full CLI with the stdin already read.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AgentWorkspace, agentBundle, createWorkspace, verifyAccessToken } from '../support/agentCli';
import { type CliResult, startProcess } from '../support/agentProcess';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import {
  killLeftoverAgents,
  pathsOf,
  stopAgent,
  waitForAgent,
  writeFullCliProbe,
} from '../support/userAgent';

const dist = join(agentBundle, '..');
const fullBundle = join(dist, 'agent-main.js');
const dockerHelper = join(dist, 'docker-credential-token-agent.js');

let server: TokenServer;
let secrets: SecretService;
let workspace: AgentWorkspace;
let probe: string;

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: 300 });
  secrets = await startSecretService();
  workspace = await createWorkspace({
    server,
    secrets,
    tokens: [
      { name: 'git', urls: ['https://git.example.invalid/team/'], refreshBeforeSeconds: 30 },
      {
        name: 'reg',
        urls: ['https://registry.example.invalid/'],
        username: 'robot',
        refreshBeforeSeconds: 30,
      },
      // Two tokens on one host, told apart only by path.
      { name: 'left', urls: ['https://shared.example.invalid/a/'] },
      { name: 'right', urls: ['https://shared.example.invalid/b/'] },
      // No refresh token stored: ERR_NEEDS_SIGN_IN, and a helper never signs in.
      { name: 'unsigned', urls: ['https://unsigned.example.invalid/'] },
    ],
  });
  for (const name of ['git', 'reg', 'left', 'right'])
    await workspace.setSecret(
      name,
      'refresh_token',
      await server.mintRefreshToken({ clientId: server.publicClientId }),
    );
  probe = await writeFullCliProbe(workspace.dir);
});

after(async () => {
  if (workspace) {
    await killLeftoverAgents([workspace]);
    await workspace.remove();
  }
  await secrets?.stop();
  await server?.close();
});

interface Case {
  label: string;
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** What the answer must look like, beyond being the same on both paths. */
  expect: { code: number; stdout?: RegExp; stderr?: RegExp };
}

const v1 = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false } });
const v1beta1 = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {} });
const gitToken = /^username=x-access-token\npassword=[^\n]+\npassword_expiry_utc=\d+\n$/;

const cases: Case[] = [
  {
    label: 'git: a served remote',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\nhost=git.example.invalid\npath=team/app.git\n\n',
    expect: { code: 0, stdout: gitToken },
  },
  {
    label: 'git: the whole host, no path (git default)',
    args: ['git-credential', 'get', '--min-valid', '10'],
    stdin: 'protocol=https\nhost=git.example.invalid\n',
    expect: { code: 0, stdout: gitToken },
  },
  {
    label: 'git: capability[]=authtype gets a Bearer credential',
    args: ['git-credential', 'get'],
    stdin: 'capability[]=authtype\nprotocol=https\nhost=git.example.invalid\npath=team/x\n\n',
    expect: {
      code: 0,
      stdout:
        /^capability\[\]=authtype\nauthtype=Bearer\ncredential=[^\n]+\nephemeral=true\npassword_expiry_utc=\d+\n$/,
    },
  },
  {
    label: 'git: a url= line',
    args: ['git-credential', 'get'],
    stdin: 'url=https://git.example.invalid/team/app.git\n',
    expect: { code: 0, stdout: gitToken },
  },
  {
    label: 'git: an unknown host prints nothing, exit 0',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\nhost=unknown.example.invalid\n\n',
    expect: { code: 0, stdout: /^$/, stderr: /^$/ },
  },
  {
    label: 'git: a path outside the prefix prints nothing',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\nhost=git.example.invalid\npath=teamwork/x.git\n',
    expect: { code: 0, stdout: /^$/, stderr: /^$/ },
  },
  {
    label: 'git: http where the prefix says https prints nothing',
    args: ['git-credential', 'get'],
    stdin: 'protocol=http\nhost=git.example.invalid\npath=team/x.git\n',
    expect: { code: 0, stdout: /^$/, stderr: /^$/ },
  },
  {
    label: 'git: no host given prints nothing',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\n\n',
    expect: { code: 0, stdout: /^$/, stderr: /^$/ },
  },
  {
    label: 'git: two tokens on the host and no path: the useHttpPath hint',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\nhost=shared.example.invalid\n',
    expect: { code: 0, stdout: /^$/, stderr: /useHttpPath true\n$/ },
  },
  {
    label: 'git: a token that needs a sign-in: quit=1 and the coded reason',
    args: ['git-credential', 'get'],
    stdin: 'protocol=https\nhost=unsigned.example.invalid\n',
    expect: { code: 1, stdout: /^quit=1\n$/, stderr: /^token-agent: git-credential: token 'unsigned': ERR_/ },
  },
  {
    label: 'kube: v1, non-interactive',
    args: ['kube-credential', 'git'],
    env: { KUBERNETES_EXEC_INFO: v1 },
    expect: {
      code: 0,
      stdout: /"apiVersion":"client\.authentication\.k8s\.io\/v1".*"expirationTimestamp":"[^"]+Z"/,
    },
  },
  {
    label: 'kube: v1beta1',
    args: ['kube-credential', 'git', '--min-valid=0'],
    env: { KUBERNETES_EXEC_INFO: v1beta1 },
    expect: { code: 0, stdout: /"apiVersion":"client\.authentication\.k8s\.io\/v1beta1"/ },
  },
  {
    label: 'kube: no KUBERNETES_EXEC_INFO means v1beta1',
    args: ['kube-credential', 'git'],
    expect: { code: 0, stdout: /v1beta1/ },
  },
  {
    label: 'kube: an apiVersion it does not speak',
    args: ['kube-credential', 'git'],
    env: { KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v2' }) },
    expect: { code: 1, stdout: /^$/, stderr: /^token-agent: kube-credential: KUBERNETES_EXEC_INFO asks for/ },
  },
  {
    label: 'kube: an unknown token',
    args: ['kube-credential', 'nosuch'],
    env: { KUBERNETES_EXEC_INFO: v1 },
    expect: {
      code: 1,
      stdout: /^$/,
      stderr: /^token-agent: kube-credential: token 'nosuch': ERR_TOKEN_UNKNOWN: /,
    },
  },
  {
    label: 'kube: a token that needs a sign-in, never signed in by kubectl',
    args: ['kube-credential', 'unsigned'],
    env: { KUBERNETES_EXEC_INFO: v1 },
    expect: { code: 1, stdout: /^$/, stderr: /^token-agent: kube-credential: token 'unsigned': ERR_/ },
  },
  {
    label: 'docker: a registry host',
    args: ['docker-credential', 'get'],
    stdin: 'registry.example.invalid\n',
    expect: {
      code: 0,
      stdout: /^\{"ServerURL":"registry\.example\.invalid","Username":"robot","Secret":"[^"]+"\}\n$/,
    },
  },
  {
    label: 'docker: a server URL with a scheme and path',
    args: ['docker-credential', 'get'],
    stdin: 'https://registry.example.invalid/v2/',
    expect: { code: 0, stdout: /"Username":"robot"/ },
  },
  {
    label: 'docker: an unknown registry: docker’s own not-found answer',
    args: ['docker-credential', 'get'],
    stdin: 'other.example.invalid',
    expect: { code: 1, stdout: /^credentials not found in native keychain\n$/ },
  },
  {
    label: 'docker: no server URL',
    args: ['docker-credential', 'get'],
    stdin: '',
    expect: { code: 1, stdout: /^no server URL was given on stdin\n$/ },
  },
  {
    label: 'docker: a token that needs a sign-in',
    args: ['docker-credential', 'get'],
    stdin: 'unsigned.example.invalid',
    expect: { code: 1, stdout: /^token-agent: ERR_/ },
  },
];

let runs = 0;
/** Runs `node SCRIPT ARGS --config FILE`; whether the full CLI was loaded. */
async function run(
  script: string,
  args: readonly string[],
  stdin = '',
  extraEnv: Record<string, string> = {},
): Promise<{ result: CliResult; loadedFull: boolean }> {
  const out = join(workspace.dir, `probe-${++runs}.txt`);
  const env = {
    ...process.env,
    ...workspace.env,
    ...extraEnv,
    NODE_OPTIONS: `--require ${probe}`,
    PROBE_OUT: out,
  };
  const result = await startProcess([script, ...args, '--config', workspace.configPath], env, stdin).done;
  return { result, loadedFull: (await readFile(out, 'utf8')) === 'true' };
}

describe('the credential helpers answer on the fast path as the full CLI does', { timeout: 240_000 }, () => {
  it('every case: the same bytes and exit code, without loading the full CLI', async () => {
    await waitForAgent(workspace);
    for (const each of cases) {
      const fast = await run(agentBundle, each.args, each.stdin, each.env);
      const full = await run(fullBundle, each.args, each.stdin, each.env);
      assert.equal(fast.loadedFull, false, `${each.label}: answered by the small entry point`);
      assert.equal(full.loadedFull, true);
      assert.deepEqual(fast.result, full.result, each.label);
      assert.equal(fast.result.code, each.expect.code, `${each.label}: ${fast.result.stderr}`);
      if (each.expect.stdout) assert.match(fast.result.stdout, each.expect.stdout, each.label);
      if (each.expect.stderr) assert.match(fast.result.stderr, each.expect.stderr, each.label);
    }
  });

  it('the tokens they hand out are the agent’s valid ones', async () => {
    const git = await run(
      agentBundle,
      ['git-credential', 'get'],
      'protocol=https\nhost=git.example.invalid\n',
    );
    const password = /^password=(.+)$/m.exec(git.result.stdout)?.[1] ?? '';
    await verifyAccessToken(server, password);
    const kube = await run(agentBundle, ['kube-credential', 'git'], '', { KUBERNETES_EXEC_INFO: v1 });
    const credential = JSON.parse(kube.result.stdout) as {
      status: { token: string; expirationTimestamp: string };
    };
    assert.equal(credential.status.token, password, 'one token per definition');
    // The refresh point (30 s before expiry), not the expiry: kubectl asks again in time.
    const { exp } = await verifyAccessToken(server, credential.status.token);
    const lead = (exp as number) - Date.parse(credential.status.expirationTimestamp) / 1000;
    assert.ok(Math.abs(lead - 30) <= 1, `expirationTimestamp is ${lead} s before exp`);
  });

  it('the docker-credential-token-agent binary answers on the fast path too', async () => {
    const fast = await run(dockerHelper, ['get'], 'registry.example.invalid');
    const full = await run(fullBundle, ['docker-credential', 'get'], 'registry.example.invalid');
    assert.equal(fast.loadedFull, false);
    assert.equal(fast.result.code, 0, fast.result.stderr);
    assert.deepEqual(fast.result, full.result);
    await verifyAccessToken(server, (JSON.parse(fast.result.stdout) as { Secret: string }).Secret);
  });

  it('other actions go to the full CLI, with the stdin the small entry point did not read', async () => {
    const actions: [string[], string][] = [
      [['git-credential', 'store'], 'protocol=https\nhost=git.example.invalid\nusername=u\npassword=p\n'],
      [['git-credential', 'erase'], 'protocol=https\nhost=unknown.example.invalid\n'],
      [['git-credential', 'get', '--verbose'], 'protocol=https\nhost=git.example.invalid\n'],
      [['docker-credential', 'list'], ''],
      [['docker-credential', 'store'], JSON.stringify({ ServerURL: 'registry.example.invalid' })],
    ];
    for (const [args, stdin] of actions) {
      const fast = await run(agentBundle, args, stdin);
      const full = await run(fullBundle, args, stdin);
      assert.equal(fast.loadedFull, true, args.join(' '));
      assert.deepEqual(fast.result, full.result, args.join(' '));
    }
  });

  it('an agent of another config file on the socket: its answer is not printed', async () => {
    const other = join(workspace.dir, 'other-config.json');
    await writeFile(other, '{"tokens":[]}\n');
    const env = { TOKEN_AGENT_SOCKET: pathsOf(workspace).socketPath };
    const args = ['git-credential', 'get', '--config', other];
    const input = 'protocol=https\nhost=git.example.invalid\n';
    const out = join(workspace.dir, `probe-${++runs}.txt`);
    const probeEnv = { NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out };
    const result = await startProcess(
      [agentBundle, ...args],
      { ...process.env, ...workspace.env, ...env, ...probeEnv },
      input,
    ).done;
    assert.equal(await readFile(out, 'utf8'), 'true', 'handed to the full CLI');
    assert.doesNotMatch(result.stdout, /password=/);
    assert.match(result.stderr, /ERR_AGENT_UNAVAILABLE: .*uses .*config\.json, not .*other-config\.json/);
  });

  it('no agent running: handed to the full CLI with the stdin already read, which starts one', async () => {
    await stopAgent(workspace);
    const git = await run(
      agentBundle,
      ['git-credential', 'get'],
      'protocol=https\nhost=git.example.invalid\n',
    );
    assert.equal(git.loadedFull, true);
    assert.equal(git.result.code, 0, git.result.stderr);
    assert.match(git.result.stdout, gitToken, 'the full CLI read what git wrote');
    await stopAgent(workspace);
    const docker = await run(dockerHelper, ['get'], 'registry.example.invalid');
    assert.equal(docker.loadedFull, true);
    assert.equal(docker.result.code, 0, docker.result.stderr);
    assert.match(docker.result.stdout, /"Username":"robot"/);
    // And the agent it started answers the next call on the fast path.
    const again = await run(dockerHelper, ['get'], 'registry.example.invalid');
    assert.equal(again.loadedFull, false);
    assert.equal(again.result.stdout, docker.result.stdout);
  });
});
