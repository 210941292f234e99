// The git and docker credential helpers and the kubectl exec plugin against their protocols' edge
// cases, over a fake TokenSource (no agent, no network) and a frozen clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenAnswer } from '../../agent/daemon/api';
import { matchRemote, type ServedToken, servedFromList } from '../../agent/daemon/served';
import { reportedExpiry } from '../../agent/helpers/answer';
import { dockerCredential, notFoundMessage, registryOf } from '../../agent/helpers/dockerCredential';
import { gitCredential, parseCredentialInput } from '../../agent/helpers/gitCredential';
import { formatExecCredential, parseExecInfo, rfc3339 } from '../../agent/helpers/kubeCredential';
import type { TokenSource } from '../../agent/helpers/source';

const now = 1_800_000_000;
// Obviously fake token values, built at run time.
const fakeToken = (name: string, n = 1) => `fake-${name}-access-${n}`;

interface FakeSource extends TokenSource {
  asked: { name: string; minValidSeconds: number }[];
  refreshed: string[];
}

function fakeSource(
  served: ServedToken[],
  answers: Record<string, Partial<TokenAnswer> | Error> = {},
): FakeSource {
  const asked: FakeSource['asked'] = [];
  const refreshed: string[] = [];
  return {
    asked,
    refreshed,
    served: async () => served,
    token: async (name, minValidSeconds) => {
      asked.push({ name, minValidSeconds });
      const answer = answers[name];
      if (answer instanceof Error) throw answer;
      return {
        access_token: fakeToken(name),
        token_type: 'Bearer',
        expires_at: now + 600,
        expires_in: 600,
        refresh_at: now + 480,
        ...answer,
      };
    },
    refresh: async (name) => {
      refreshed.push(name);
    },
  };
}

const served: ServedToken[] = [
  { name: 'team', urls: ['https://git.example.com/team/'], username: 'x-access-token' },
  { name: 'app', urls: ['https://git.example.com/team/app'], username: 'oauth2' },
  { name: 'local', urls: ['http://127.0.0.1:8080/'], username: 'x-access-token' },
  { name: 'registry', urls: ['https://registry.example.com'], username: 'oauth2' },
];

const git = (action: string, input: string, source: TokenSource) =>
  gitCredential(action, input, source, { minValidSeconds: 60, nowSeconds: () => now });

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('git-credential', () => {
  it('answers username, password and the refresh point as password_expiry_utc for a served path', async () => {
    const source = fakeSource(served);
    const answer = await git('get', 'protocol=https\nhost=git.example.com\npath=team/lib.git\n\n', source);
    assert.equal(answer.exitCode, 0);
    assert.equal(
      answer.stdout,
      `username=x-access-token\npassword=${fakeToken('team')}\npassword_expiry_utc=${now + 480}\n`,
    );
    assert.deepEqual(source.asked, [{ name: 'team', minValidSeconds: 60 }]);
  });

  it('picks the longest prefix, on a path segment boundary', async () => {
    const source = fakeSource(served);
    const app = await git('get', 'protocol=https\nhost=git.example.com\npath=team/app/x.git\n', source);
    assert.match(app.stdout, /^username=oauth2\npassword=fake-app-access-1\n/);
    // `team/application` is not under `team/app`: the shorter `team/` prefix serves it.
    const other = await git(
      'get',
      'protocol=https\nhost=git.example.com\npath=team/application.git\n',
      source,
    );
    assert.match(other.stdout, /password=fake-team-access-1/);
    const outside = await git('get', 'protocol=https\nhost=git.example.com\npath=teamwork/x.git\n', source);
    assert.deepEqual(outside, { stdout: '', stderr: '', exitCode: 0 });
  });

  it('prints nothing and exits 0 for an unknown host, another protocol or missing fields', async () => {
    const source = fakeSource(served);
    for (const input of [
      'protocol=https\nhost=elsewhere.example.com\npath=team/x.git\n',
      'protocol=http\nhost=git.example.com\npath=team/x.git\n',
      'host=git.example.com\n',
      'protocol=https\n',
      '',
      'garbage without equals\n',
    ]) {
      assert.deepEqual(await git('get', input, source), { stdout: '', stderr: '', exitCode: 0 }, input);
    }
    assert.deepEqual(source.asked, [], 'no token was asked for');
  });

  it('without a path, serves the only token of the host, and calls several ambiguous', async () => {
    const source = fakeSource(served);
    const local = await git('get', 'protocol=http\nhost=127.0.0.1:8080\n', source);
    assert.match(local.stdout, /password=fake-local-access-1/);
    const ambiguous = await git('get', 'protocol=https\nhost=git.example.com\n', source);
    assert.equal(ambiguous.stdout, '');
    assert.equal(ambiguous.exitCode, 0);
    assert.match(ambiguous.stderr, /useHttpPath true/);
  });

  it('answers authtype=Bearer and credential= when git announces capability[]=authtype', async () => {
    const source = fakeSource(served);
    const answer = await git(
      'get',
      'capability[]=authtype\ncapability[]=state\nprotocol=http\nhost=127.0.0.1:8080\nwwwauth[]=Bearer realm="x"\n',
      source,
    );
    assert.equal(
      answer.stdout,
      `capability[]=authtype\nauthtype=Bearer\ncredential=${fakeToken('local')}\nephemeral=true\npassword_expiry_utc=${now + 480}\n`,
    );
    assert.doesNotMatch(answer.stdout, /password=/);
  });

  it('reports the real expiry once the refresh point has passed, and none when unknown', async () => {
    const late = fakeSource(served, { local: { refresh_at: now - 5, expires_at: now + 20 } });
    assert.match(
      (await git('get', 'protocol=http\nhost=127.0.0.1:8080\n', late)).stdout,
      /password_expiry_utc=1800000020\n$/,
    );
    const opaque = fakeSource(served, { local: { refresh_at: undefined, expires_at: undefined } });
    assert.doesNotMatch((await git('get', 'protocol=http\nhost=127.0.0.1:8080\n', opaque)).stdout, /expiry/);
  });

  it('needs a sign-in: quit=1 and one line on stderr, never a prompt', async () => {
    const source = fakeSource(served, {
      local: coded('ERR_NEEDS_SIGN_IN', "Token 'local' needs a sign-in: run token-agent login local"),
    });
    const answer = await git('get', 'protocol=http\nhost=127.0.0.1:8080\n', source);
    assert.equal(answer.stdout, 'quit=1\n');
    assert.equal(answer.exitCode, 1);
    assert.match(
      answer.stderr,
      /^token-agent: git-credential: token 'local': ERR_NEEDS_SIGN_IN: .*login local\n$/,
    );
  });

  it('erase refreshes when the agent still holds the failed token, and not when it moved on', async () => {
    const source = fakeSource(served);
    await git(
      'erase',
      `protocol=http\nhost=127.0.0.1:8080\nusername=x\npassword=${fakeToken('local')}\n`,
      source,
    );
    assert.deepEqual(source.refreshed, ['local']);
    await git('erase', 'protocol=http\nhost=127.0.0.1:8080\nusername=x\npassword=an-older-token\n', source);
    assert.deepEqual(source.refreshed, ['local'], 'a token already replaced is not refreshed again');
    await git('erase', 'protocol=http\nhost=127.0.0.1:8080\n', source);
    assert.deepEqual(source.refreshed, ['local', 'local'], 'without the password, refresh');
    await git('erase', 'protocol=https\nhost=unknown.example.com\npassword=p\n', source);
    assert.deepEqual(source.refreshed, ['local', 'local']);
  });

  it('store and unknown actions store and print nothing', async () => {
    const source = fakeSource(served);
    for (const action of ['store', 'capability', 'bogus']) {
      const answer = await git(
        action,
        `protocol=http\nhost=127.0.0.1:8080\npassword=${fakeToken('local')}\n`,
        source,
      );
      assert.deepEqual(answer, { stdout: '', stderr: '', exitCode: 0 }, action);
    }
    assert.deepEqual(source.asked, []);
    assert.deepEqual(source.refreshed, []);
  });

  it('parses lists, resets a list on an empty value, and stops at the blank line', () => {
    const input = parseCredentialInput(
      'capability[]=a\ncapability[]=\ncapability[]=b\nhost=h\n\nhost=ignored\n',
    );
    assert.deepEqual(input.lists.get('capability'), ['b']);
    assert.equal(input.values.get('host'), 'h');
  });

  it('never prints a token that would break the line protocol', async () => {
    const source = fakeSource(served, { local: { access_token: 'fake\nprotocol=evil' } });
    const answer = await git('get', 'protocol=http\nhost=127.0.0.1:8080\n', source);
    assert.equal(answer.stdout, 'quit=1\n');
    assert.doesNotMatch(answer.stderr, /evil/);
  });
});

describe('docker-credential', () => {
  const docker = (action: string, stdin: string, source: TokenSource) =>
    dockerCredential(action, stdin, source, { minValidSeconds: 60 });

  it('get answers {ServerURL, Username, Secret} for a served registry, by host', async () => {
    const source = fakeSource(served);
    for (const url of [
      'registry.example.com',
      'https://registry.example.com/v2/',
      'REGISTRY.example.com\n',
    ]) {
      const answer = await docker('get', url, source);
      assert.equal(answer.exitCode, 0, url);
      assert.deepEqual(JSON.parse(answer.stdout), {
        ServerURL: url.trim(),
        Username: 'oauth2',
        Secret: fakeToken('registry'),
      });
    }
  });

  it('get of an unknown registry says "credentials not found in native keychain" on stdout, exit 1', async () => {
    const source = fakeSource(served);
    for (const url of ['other.example.com', 'registry.example.com:5000']) {
      assert.deepEqual(await docker('get', url, source), {
        stdout: `${notFoundMessage}\n`,
        stderr: '',
        exitCode: 1,
      });
    }
    const empty = await docker('get', '', source);
    assert.equal(empty.exitCode, 1);
    assert.deepEqual(source.asked, []);
  });

  it('store keeps nothing and says why; erase is a no-op; list shows URLs and user names only', async () => {
    const source = fakeSource(served);
    const store = await docker(
      'store',
      JSON.stringify({ ServerURL: 'registry.example.com', Username: 'u', Secret: 'fake-pw' }),
      source,
    );
    assert.equal(store.exitCode, 1);
    assert.match(store.stdout, /token 'registry'/);
    assert.doesNotMatch(store.stdout, /fake-pw/);
    assert.deepEqual(await docker('erase', 'registry.example.com', source), {
      stdout: '',
      stderr: '',
      exitCode: 0,
    });
    const list = await docker('list', '', source);
    assert.equal(JSON.parse(list.stdout)['https://registry.example.com'], 'oauth2');
    assert.doesNotMatch(list.stdout, /fake-/);
    assert.deepEqual(source.asked, []);
    assert.deepEqual(source.refreshed, []);
  });

  it('an agent error is one line on stdout with its code, exit 1', async () => {
    const source = fakeSource(served, { registry: coded('ERR_NEEDS_SIGN_IN', 'sign in first') });
    const answer = await docker('get', 'registry.example.com', source);
    assert.equal(answer.exitCode, 1);
    assert.equal(answer.stdout, 'token-agent: ERR_NEEDS_SIGN_IN: sign in first\n');
  });

  it('reads registry hosts, refusing ones with credentials in them', () => {
    assert.deepEqual(registryOf('localhost:5000'), { host: 'localhost:5000' });
    assert.equal(registryOf('https://user:pw@registry.example.com'), undefined);
    assert.equal(registryOf('   '), undefined);
  });
});

describe('kube-credential', () => {
  it('defaults to v1beta1 without KUBERNETES_EXEC_INFO, and reads v1 and spec.interactive', () => {
    assert.deepEqual(parseExecInfo(undefined), { apiVersion: 'client.authentication.k8s.io/v1beta1' });
    assert.deepEqual(
      parseExecInfo(
        JSON.stringify({
          kind: 'ExecCredential',
          apiVersion: 'client.authentication.k8s.io/v1',
          spec: { interactive: false },
        }),
      ),
      { apiVersion: 'client.authentication.k8s.io/v1', interactive: false },
    );
  });

  it('refuses an apiVersion it does not speak, and text that is not JSON', () => {
    const alpha = parseExecInfo(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1alpha1' }));
    assert.ok('error' in alpha);
    assert.match(alpha.error, /v1alpha1.*v1 and .*v1beta1/);
    assert.ok('error' in parseExecInfo('{'));
  });

  it('formats an ExecCredential with an RFC 3339 expiry in whole UTC seconds', () => {
    const text = formatExecCredential('client.authentication.k8s.io/v1beta1', 'fake-kube-access', now + 480);
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(JSON.parse(text), {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {},
      status: { token: 'fake-kube-access', expirationTimestamp: '2027-01-15T08:08:00Z' },
    });
    assert.equal(rfc3339(0), '1970-01-01T00:00:00Z');
    const noExpiry = JSON.parse(formatExecCredential('client.authentication.k8s.io/v1', 'fake', undefined));
    assert.deepEqual(noExpiry.status, { token: 'fake' });
  });

  it('reports the refresh point while it is ahead, the expiry after it', () => {
    const answer: TokenAnswer = {
      access_token: 'x',
      token_type: 'Bearer',
      expires_at: now + 30,
      refresh_at: now + 10,
    };
    assert.equal(reportedExpiry(answer, now), now + 10);
    assert.equal(reportedExpiry(answer, now + 10), now + 30);
  });
});

describe('served tokens', () => {
  it('takes valid definitions with urls from the agent, with the default user name', () => {
    const list = servedFromList({
      configPath: '/c.json',
      problems: [],
      tokens: [
        { name: 'a', entry: { name: 'a', type: 'static', urls: ['https://h/'] } },
        { name: 'b', entry: { name: 'b', type: 'static', urls: ['https://h/b/'], username: 'oauth2' } },
        { name: 'broken', entry: { urls: ['https://h/x/'] }, problems: ['"type" is required'] },
        { name: 'none', entry: { name: 'none', type: 'static' } },
      ],
    });
    assert.deepEqual(list, [
      { name: 'a', urls: ['https://h/'], username: 'x-access-token' },
      { name: 'b', urls: ['https://h/b/'], username: 'oauth2' },
    ]);
  });

  it('prefers a whole-host prefix when no path is given, and matches hosts case-insensitively', () => {
    const tokens: ServedToken[] = [
      { name: 'host', urls: ['https://Git.Example.com'], username: 'u' },
      { name: 'team', urls: ['https://git.example.com/team/'], username: 'u' },
    ];
    assert.deepEqual(matchRemote(tokens, { protocol: 'https', host: 'git.example.com' }), {
      kind: 'token',
      token: tokens[0],
    });
    assert.equal(
      matchRemote(tokens, { protocol: 'https', host: 'git.example.com:443', path: 'team/x' }).kind,
      'token',
    );
    assert.deepEqual(matchRemote(tokens, { protocol: 'https', host: 'evil.com/git.example.com' }), {
      kind: 'none',
    });
  });
});
