// kubectl through `token-agent kube-credential` against an HTTPS endpoint that accepts only tokens
// verifying against the token server's keys (exec v1beta1 and v1; one kubectl per call and one
// long-running kubectl proxy, across four lifetimes of 6-second tokens); the docker helper binary and
// `status NAME --min-valid` run as programs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type AgentWorkspace, agentBundle, verifyAccessToken } from '../support/agentCli';
import { type ConsumerHarness, exec, startConsumerHarness } from '../support/consumerHarness';
import { type GuardedServer, startKubeApi } from '../support/consumerServers';
import { waitUntil } from '../support/waitFor';

const ttlSeconds = 6;
/** About four token lifetimes. */
const spanMs = 4 * ttlSeconds * 1000;

let harness: ConsumerHarness;

before(async () => {
  harness = await startConsumerHarness(ttlSeconds);
});

after(async () => {
  await harness?.close();
});

describe('kubectl through token-agent kube-credential', { timeout: 180_000 }, () => {
  let api: GuardedServer & { caData: string };
  let workspace: AgentWorkspace;
  let kubeconfig: string;

  async function writeKubeconfig(apiVersion: string, name = 'kube'): Promise<string> {
    const path = join(harness.dir, `kubeconfig-${name}-${apiVersion.split('/')[1]}`);
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
      env: { PATH: process.env.PATH, HOME: join(harness.dir, 'home'), ...workspace.env },
    });

  before(async () => {
    api = await startKubeApi(harness.server);
    harness.servers.push(api);
    workspace = await harness.signedIn({ name: 'kube' });
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
      env: { PATH: process.env.PATH, HOME: join(harness.dir, 'home'), ...workspace.env },
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
    const unsigned = await harness.signedIn({ name: 'kube-unsigned' }, false);
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
    const workspace = await harness.signedIn({
      name: 'registry',
      urls: ['https://registry.example.invalid'],
    });
    // Docker runs the helper with the action alone: the config comes from the environment.
    const env = { ...process.env, ...workspace.env, TOKEN_AGENT_CONFIG: workspace.configPath };
    const run = (action: string, input: string) => exec(helperBin, [action], { env, input });
    const got = await run('get', 'registry.example.invalid\n');
    assert.equal(got.code, 0, got.stdout + got.stderr);
    const answer = JSON.parse(got.stdout) as { ServerURL: string; Username: string; Secret: string };
    assert.equal(answer.Username, 'x-access-token');
    assert.equal(answer.ServerURL, 'registry.example.invalid');
    await verifyAccessToken(harness.server, answer.Secret);
    const missing = await run('get', 'other.example.invalid');
    assert.deepEqual([missing.code, missing.stdout], [1, 'credentials not found in native keychain\n']);
    const list = await run('list', '');
    assert.deepEqual(JSON.parse(list.stdout), { 'https://registry.example.invalid': 'x-access-token' });
  });

  it('status NAME --min-valid: 0 when valid long enough, 1 when not, 2 for an unknown name, silent', async () => {
    const workspace = await harness.signedIn({ name: 'probe' });
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
