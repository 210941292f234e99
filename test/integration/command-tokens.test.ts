// Command tokens as users meet them (#12 item 7): the built `token-agent get` and `status` run small
// scripts that print what real CLIs print — az (zone-less local time, under a non-UTC TZ), a kubectl
// ExecCredential, a gcloud-style bare opaque token, custom fields — and, where installed, the real
// `gcloud`. An opaque token is dated by RFC 7662 introspection against the real oidc-provider, which
// also says when a token is not active. Tokens are built at run time and obviously fake.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenState } from '../../agent/protocol';
import { type AgentWorkspace, createWorkspace } from '../support/agentCli';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';

let server: TokenServer;
let secrets: SecretService;
let workspace: AgentWorkspace;
// A zone with a half-hour offset: a zone-less date misread as UTC is off by 5.5 hours, not by 0.
const TZ = 'Asia/Kolkata';

before(async () => {
  server = await startTokenServer({ opaqueAccessTokens: true });
  secrets = await startSecretService();
  // The engine in each CLI process, as in CI: each call runs what it needs on its own.
  workspace = await createWorkspace({ server, secrets, tokens: [], noAgent: true });
});

after(async () => {
  await workspace?.remove();
  await secrets?.stop();
  await server?.close();
});

/** A shell script in the workspace; `$n` is its run number (counted in a file beside it). */
async function script(name: string, body: string): Promise<string> {
  const path = join(workspace.dir, name);
  const counter = `${path}.runs`;
  await writeFile(counter, '');
  await writeFile(
    path,
    `#!/bin/sh\nset -e\nprintf x >> '${counter}'\nn=$(wc -c < '${counter}' | tr -d ' ')\nnow=$(date +%s)\n${body}\n`,
  );
  await chmod(path, 0o755);
  return path;
}

async function runsOf(path: string): Promise<number> {
  return (await readFile(`${path}.runs`, 'utf8')).length;
}

async function configure(tokens: Record<string, unknown>[]): Promise<void> {
  const entries = tokens.map((token) => ({ type: 'command', refreshBeforeSeconds: 60, ...token }));
  await writeFile(workspace.configPath, JSON.stringify({ store: 'keychain', tokens: entries }, null, 2));
}

async function get(name: string, args: string[] = []): Promise<string> {
  const result = await workspace.run(['get', name, ...args], { env: { TZ } });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

async function state(name: string): Promise<TokenState> {
  const result = await workspace.run(['status', '--json'], { env: { TZ } });
  const found = (JSON.parse(result.stdout) as { tokens: TokenState[] }).tokens.find((t) => t.name === name);
  assert.ok(found, `status lists '${name}'`);
  return found;
}

/** Within a few seconds of `expectedMs`: the scripts and the CLI read the clock a moment apart. */
function near(actual: number | undefined, expectedMs: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: no expiresAt`);
  assert.ok(
    Math.abs(actual - expectedMs) < 10_000,
    `${what}: ${new Date(actual).toISOString()} vs ${new Date(expectedMs).toISOString()}`,
  );
}

describe('command tokens: what real CLIs print, through token-agent get and status', () => {
  it('az account get-access-token: expires_on (epoch seconds) and expiresOn (local time, no zone)', async () => {
    // az prints both since 2.54; older versions only expiresOn, in local time without a zone.
    const az = await script(
      'az.sh',
      `exp=$((now + 3600))
cat <<EOF
{
  "accessToken": "fake-az-$n",
  "expiresOn": "$(date -d "@$exp" '+%Y-%m-%d %H:%M:%S.000000')",
  "expires_on": $exp,
  "subscription": "00000000-0000-0000-0000-000000000000",
  "tenant": "00000000-0000-0000-0000-000000000000",
  "tokenType": "Bearer"
}
EOF`,
    );
    const azOld = await script(
      'az-old.sh',
      `printf '{"accessToken": "fake-azold-%s", "expiresOn": "%s", "tokenType": "Bearer"}' "$n" "$(date -d "@$((now + 2700))" '+%Y-%m-%d %H:%M:%S.000000')"`,
    );
    await configure([
      { name: 'az', command: [az] },
      { name: 'az-old', command: [azOld] },
    ]);
    const startedAt = Date.now();
    assert.equal(await get('az'), 'fake-az-1');
    assert.equal(await get('az-old'), 'fake-azold-1');
    near((await state('az')).expiresAt, startedAt + 3_600_000, 'az');
    const old = await state('az-old');
    near(old.expiresAt, startedAt + 2_700_000, 'az without expires_on, local time read in TZ');
    assert.equal(old.expiryUnknown, undefined);
    // Dated, so held: a second get reuses it rather than running az again.
    assert.equal(await get('az', ['--min-valid', '600']), 'fake-az-1');
    assert.equal(await runsOf(az), 1);
  });

  it('a kubectl exec plugin: ExecCredential status.token and status.expirationTimestamp', async () => {
    const plugin = await script(
      'kube-plugin.sh',
      `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"fake-kube-%s","expirationTimestamp":"%s"}}' "$n" "$(date -u -d "@$((now + 1800))" '+%Y-%m-%dT%H:%M:%SZ')"`,
    );
    await configure([{ name: 'kube', command: [plugin] }]);
    const startedAt = Date.now();
    assert.equal(await get('kube'), 'fake-kube-1');
    near((await state('kube')).expiresAt, startedAt + 1_800_000, 'ExecCredential');
  });

  it('a gcloud-style bare opaque token: "expiry unknown", the command run again on every get', async () => {
    const gcloud = await script('gcloud.sh', `echo "fake-ya29-$n"`);
    await configure([
      { name: 'gcloud', command: [gcloud] },
      { name: 'gcloud-1h', command: [gcloud], lifetimeSeconds: 3600 },
    ]);
    assert.equal(await get('gcloud'), 'fake-ya29-1');
    const held = await state('gcloud');
    assert.equal(held.expiryUnknown, true);
    assert.equal(held.expiresAt, undefined);
    assert.equal(held.phase, 'fresh');
    assert.equal(held.nextRefreshAt, undefined, 'nothing scheduled for a token nothing dates');
    const table = await workspace.run(['status'], { env: { TZ } });
    assert.match(table.stdout, /gcloud\s+fresh\s+unknown \(obtained \d+s ago\)/);
    // "Still valid for 60 s?" cannot be promised; "held?" can.
    assert.equal((await workspace.run(['status', 'gcloud', '--min-valid', '60'])).code, 1);
    assert.equal((await workspace.run(['status', 'gcloud', '--min-valid', '0'])).code, 0);
    // Never vouched for: the next get asks the command again (gcloud keeps its own cache).
    assert.equal(await get('gcloud'), 'fake-ya29-2');
    assert.equal(await runsOf(gcloud), 2, 'status ran nothing');
    // With lifetimeSeconds it is dated, shown as assumed.
    assert.equal(await get('gcloud-1h'), 'fake-ya29-3');
    const assumed = await state('gcloud-1h');
    assert.equal(assumed.expiryAssumed, true);
    assert.equal(assumed.expiryUnknown, undefined);
    assert.equal(await get('gcloud-1h'), 'fake-ya29-3');
  });

  it('tokenField and expiryField name fields of any other shape', async () => {
    const vault = await script(
      'vault.sh',
      `printf '{"auth":{"client_token":"fake-vault-%s","lease":{"ends_ms":%s000}}}' "$n" "$((now + 900))"`,
    );
    await configure([
      { name: 'vault', command: [vault], tokenField: 'auth.client_token', expiryField: 'auth.lease.ends_ms' },
    ]);
    const startedAt = Date.now();
    assert.equal(await get('vault'), 'fake-vault-1');
    near((await state('vault')).expiresAt, startedAt + 900_000, 'epoch ms at a named path');
  });

  it('output it cannot use fails with ERR_COMMAND_FAILED naming the field, never the token', async () => {
    const bad = await script('bad.sh', `echo '{"access_token": "fake-badexp-'$n'", "expires_in": "soon"}'`);
    await configure([{ name: 'bad', command: [bad] }]);
    const result = await workspace.run(['get', 'bad']);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /ERR_COMMAND_FAILED/);
    assert.match(result.stderr, /expires_in is a string that is not a number of seconds/);
    assert.doesNotMatch(result.stderr, /fake-badexp/);
  });
});

describe('command tokens: the real gcloud, where installed', () => {
  const installed = (() => {
    try {
      execFileSync('gcloud', ['--version'], { stdio: 'ignore', timeout: 60_000 });
      return true;
    } catch {
      return false;
    }
  })();

  it('reads gcloud auth print-access-token, bare and --format=json', {
    skip: !installed && 'gcloud is not installed',
  }, async () => {
    // --access-token-file makes gcloud print a given token with no account and no network.
    const tokenFile = join(workspace.dir, 'gcloud-token');
    const token = `fake-ya29-real-${Date.now()}`;
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const env = { CLOUDSDK_CONFIG: join(workspace.dir, 'gcloud-config') };
    const base = ['gcloud', 'auth', 'print-access-token', `--access-token-file=${tokenFile}`];
    await configure([
      { name: 'gcloud-bare', command: base, timeoutSeconds: 120 },
      { name: 'gcloud-json', command: [...base, '--format=json'], timeoutSeconds: 120 },
    ]);
    for (const name of ['gcloud-bare', 'gcloud-json']) {
      const result = await workspace.run(['get', name], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), token);
      assert.equal((await state(name)).expiryUnknown, true);
    }
  });
});

describe('command tokens: RFC 7662 introspection against the real token server', () => {
  let clientCredentials: string;
  let secretFile: string;

  before(async () => {
    // A command that gets an opaque token from the server, like any CLI with its own sign-in would.
    clientCredentials = join(workspace.dir, 'cc.mjs');
    secretFile = join(workspace.dir, 'cc-secret');
    await writeFile(secretFile, server.clientSecret, { mode: 0o600 });
    await writeFile(
      clientCredentials,
      `import { readFileSync } from 'node:fs';
const [endpoint, clientId, secretPath] = process.argv.slice(2);
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId,
  client_secret: readFileSync(secretPath, 'utf8'), scope: ${JSON.stringify(server.scope)} });
const answer = await fetch(endpoint, { method: 'POST', body });
if (!answer.ok) { console.error('token request failed: HTTP ' + answer.status); process.exit(1); }
console.log((await answer.json()).access_token);
`,
    );
    await workspace.setSecret('opaque', 'client_secret', server.clientSecret);
    await workspace.setSecret('revoked', 'client_secret', server.clientSecret);
  });

  it("dates an opaque token by the provider's exp", async () => {
    const introspection = { introspectionEndpoint: server.introspectionEndpoint, clientId: server.clientId };
    await configure([
      {
        name: 'opaque',
        command: [process.execPath, clientCredentials, server.tokenEndpoint, server.clientId, secretFile],
        ...introspection,
      },
    ]);
    const before = server.introspections;
    const startedAt = Date.now();
    const token = await get('opaque');
    assert.doesNotMatch(token, /^eyJ/, 'an opaque token, not a JWT');
    assert.equal(server.introspections, before + 1);
    const held = await state('opaque');
    assert.equal(held.expiryUnknown, undefined);
    assert.equal(held.expiryAssumed, undefined);
    near(held.expiresAt, startedAt + server.accessTokenTtlSeconds * 1000, 'introspected exp');
    // Dated, so held and reused: no second command run, no second introspection.
    assert.equal(await get('opaque', ['--min-valid', '60']), token);
    assert.equal(server.introspections, before + 1);
  });

  it('says so when the provider answers active: false, without quoting the token', async () => {
    const stale = await script('stale.sh', `echo "fake-stale-$n-$now"`);
    await configure([
      {
        name: 'revoked',
        command: [stale],
        introspectionEndpoint: server.introspectionEndpoint,
        clientId: server.clientId,
      },
    ]);
    const result = await workspace.run(['get', 'revoked']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /ERR_COMMAND_FAILED/);
    assert.match(result.stderr, /not active \(RFC 7662 "active": false\)/);
    assert.doesNotMatch(result.stderr, /fake-stale/);
  });

  it('a client secret the endpoint refuses is a coded error naming the endpoint, quoting neither secret', async () => {
    const wrongSecret = `fake-wrong-secret-${Date.now()}`;
    await workspace.setSecret('wrong-client', 'client_secret', wrongSecret);
    await configure([
      {
        name: 'wrong-client',
        command: [process.execPath, clientCredentials, server.tokenEndpoint, server.clientId, secretFile],
        introspectionEndpoint: server.introspectionEndpoint,
        clientId: server.clientId,
      },
    ]);
    const result = await workspace.run(['get', 'wrong-client']);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /ERR_TOKEN_ENDPOINT_HTTP/);
    assert.match(
      result.stderr,
      /introspection endpoint .*token\/introspection answered HTTP 401.*: check "clientId" and the client secret \(token-agent secret set wrong-client client_secret\)/,
    );
    assert.ok(!result.stderr.includes(wrongSecret), result.stderr);
    assert.ok(!result.stderr.includes(server.clientSecret), result.stderr);
  });
});
