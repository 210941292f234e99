// The credential helpers' `get` on the small entry point (agent/fast/fastHelpers.ts) against the full
// CLI's (agent/helpers/): one table of git and docker inputs, each answered through both with the
// agent's `GET /v1/credential` answer in between, as JSON, from a real handler on a real Unix socket
// over a recording context; the bytes must be the same. And: which command lines the fast path takes,
// and the answers it leaves to the full CLI.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { handStdin, takeHandedStdin } from '../../agent/base/stdinHandoff';
import { parseCommandLine } from '../../agent/cli/args';
import type { DefinitionList } from '../../agent/daemon/api';
import { AgentClient } from '../../agent/daemon/client';
import { type AgentContext, handleRequest } from '../../agent/daemon/routes';
import { ask } from '../../agent/fast/ask';
import { parseFastCommand } from '../../agent/fast/fastArgs';
import { type Plan, planDocker, planGit, planKube } from '../../agent/fast/fastHelpers';
import { readCredentialAnswer } from '../../agent/helpers/answer';
import { dockerCredential } from '../../agent/helpers/dockerCredential';
import { gitCredential } from '../../agent/helpers/gitCredential';
import { agentSource, type TokenSource } from '../../agent/helpers/source';

const nowMs = 1_800_000_000_000;
const nowSeconds = nowMs / 1000;
// Obviously fake token values, built at run time.
const fakeToken = (name: string) => `fake-${name}-${'x'.repeat(8)}`;

const list: DefinitionList = {
  configPath: '/cfg/config.json',
  problems: [],
  tokens: [
    { name: 'team', entry: { type: 'static', urls: ['https://git.example.com/team/'] } },
    {
      name: 'app',
      entry: { type: 'static', urls: ['https://git.example.com/team/app'], username: 'oauth2' },
    },
    { name: 'left', entry: { type: 'static', urls: ['https://shared.example.com/a/'] } },
    { name: 'right', entry: { type: 'static', urls: ['https://shared.example.com/b/'] } },
    { name: 'local', entry: { type: 'static', urls: ['http://127.0.0.1:8080/'] } },
    {
      name: 'registry',
      entry: { type: 'static', urls: ['https://registry.example.com'], username: 'robot' },
    },
    { name: 'unsigned', entry: { type: 'static', urls: ['https://unsigned.example.com/'] } },
    { name: 'broken', entry: { type: 'static', urls: ['https://broken.example.com/'] } },
    { name: 'newline', entry: { type: 'static', urls: ['https://newline.example.com/'] } },
    { name: 'noexpiry', entry: { type: 'static', urls: ['https://noexpiry.example.com/'] } },
  ],
} as unknown as DefinitionList;

function context(asked: string[]): AgentContext {
  return {
    configPath: '/cfg/config.json',
    stopping: () => false,
    now: () => nowMs,
    definitions: () => list,
    redact: (text) => text.replace(/secret-[a-z]+/g, '[redacted]'),
    get: async (name, minValidSeconds) => {
      asked.push(`${name} ${minValidSeconds}`);
      if (name === 'unsigned')
        throw new TokenAgentError(
          codes.needsSignIn,
          `'${name}' needs a sign-in: run token-agent login ${name}`,
        );
      if (name === 'broken') throw new TokenAgentError(codes.commandFailed, 'the command said secret-abc');
      if (name === 'newline') return { accessToken: 'fake\nline' };
      if (name === 'noexpiry') return { accessToken: fakeToken(name) };
      return { accessToken: fakeToken(name), expiresAt: nowMs + 600_000, refreshAt: nowMs + 480_000 };
    },
  } as Partial<AgentContext> as AgentContext;
}

const gitInputs = [
  'protocol=https\nhost=git.example.com\npath=team/lib.git\n\n',
  'protocol=https\nhost=git.example.com\npath=team/app/x.git\n',
  'protocol=https\nhost=git.example.com\n',
  'capability[]=authtype\nprotocol=https\nhost=git.example.com\npath=team/x\n',
  'capability[]=authtype\ncapability[]=\nprotocol=https\nhost=git.example.com\npath=team/x\n',
  'url=https://git.example.com/team/app.git\n',
  'protocol=http\nhost=127.0.0.1:8080\n',
  'protocol=HTTPS\nhost=GIT.example.com\npath=team/x\n',
  'protocol=https\nhost=unknown.example.com\n',
  'protocol=https\nhost=git.example.com\npath=teamwork/x.git\n',
  'protocol=http\nhost=git.example.com\npath=team/x\n',
  'protocol=https\n\n',
  'host=git.example.com\n',
  '',
  'protocol=https\nhost=shared.example.com\n',
  'protocol=https\nhost=shared.example.com\npath=b/repo.git\n',
  'protocol=https\nhost=unsigned.example.com\n',
  'protocol=https\nhost=broken.example.com\n',
  'protocol=https\nhost=newline.example.com\n',
  'protocol=https\nhost=noexpiry.example.com\n',
  'protocol=https\r\nhost=git.example.com\r\npath=team/x\r\n',
  'protocol=https\nhost=bad host\n',
];

const dockerInputs = [
  'registry.example.com',
  'registry.example.com\n',
  'https://registry.example.com/v2/',
  'https://user:pw@registry.example.com/',
  'git.example.com',
  'shared.example.com',
  'other.example.com',
  'unsigned.example.com',
  'broken.example.com',
  '',
  '   \n',
  '::::',
];

describe('the fast helpers print what the full CLI prints', () => {
  let dir: string;
  let server: Server;
  let socketPath: string;
  const asked: string[] = [];
  let source: TokenSource;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fast-helpers-'));
    socketPath = join(dir, 'agent.sock');
    const agent = context(asked);
    server = createServer((req, res) => void handleRequest(agent, { kind: 'unix' }, req, res));
    await new Promise<void>((listening) => server.listen(socketPath, listening));
    source = agentSource(new AgentClient(socketPath));
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The fast path's output: printed at once, or the agent asked over the socket as fast/main.ts does. */
  async function fast(plan: Plan) {
    if ('print' in plan) return plan.print;
    const answer = await ask(socketPath, plan.ask, 5_000);
    assert.ok(answer, 'the agent answered');
    assert.equal(answer.configPath, '/cfg/config.json', 'every answer names the config file served');
    const output = plan.finish(answer.status, answer.text, nowSeconds);
    assert.ok(output, `the fast path took the answer to ${plan.ask}: ${answer.status} ${answer.text}`);
    return output;
  }

  it('git: every input, the same bytes and exit code', async () => {
    const seen = new Set<string>();
    for (const input of gitInputs) {
      const full = await gitCredential('get', input, source, {
        minValidSeconds: 60,
        nowSeconds: () => nowSeconds,
      });
      assert.deepEqual(await fast(planGit(input, 60)), full, JSON.stringify(input));
      seen.add(
        full.stdout === ''
          ? full.stderr === ''
            ? 'silent'
            : 'hint'
          : full.exitCode === 0
            ? 'token'
            : 'quit',
      );
    }
    assert.deepEqual(
      [...seen].sort(),
      ['hint', 'quit', 'silent', 'token'],
      'the table covers every kind of answer',
    );
  });

  it('git: the answers themselves', async () => {
    const get = (input: string) => fast(planGit(input, 60));
    assert.deepEqual(await get('protocol=https\nhost=git.example.com\npath=team/app/x.git\n'), {
      stdout: `username=oauth2\npassword=${fakeToken('app')}\npassword_expiry_utc=${nowSeconds + 480}\n`,
      stderr: '',
      exitCode: 0,
    });
    assert.equal(
      (await get('capability[]=authtype\nprotocol=https\nhost=git.example.com\npath=team/x\n')).stdout,
      `capability[]=authtype\nauthtype=Bearer\ncredential=${fakeToken('team')}\nephemeral=true\npassword_expiry_utc=${nowSeconds + 480}\n`,
    );
    const broken = await get('protocol=https\nhost=broken.example.com\n');
    assert.equal(broken.stdout, 'quit=1\n');
    assert.equal(
      broken.stderr,
      "token-agent: git-credential: token 'broken': ERR_COMMAND_FAILED: the command said [redacted]\n",
      'coded, redacted, naming the token',
    );
  });

  it('docker: every input, the same bytes and exit code', async () => {
    for (const input of dockerInputs) {
      const full = await dockerCredential('get', input, source, { minValidSeconds: 60 });
      assert.deepEqual(await fast(planDocker(input, 60)), full, JSON.stringify(input));
    }
    assert.deepEqual(await fast(planDocker('https://registry.example.com/v2/\n', 60)), {
      stdout: `${JSON.stringify({ ServerURL: 'https://registry.example.com/v2/', Username: 'robot', Secret: fakeToken('registry') })}\n`,
      stderr: '',
      exitCode: 0,
    });
  });

  it('the helpers ask for the validity given, 60 s by default', async () => {
    asked.length = 0;
    await fast(planGit('protocol=https\nhost=git.example.com\npath=team/x\n', 0));
    await fast(planDocker('registry.example.com', 3600));
    assert.deepEqual(asked, ['team 0', 'registry 3600']);
  });
});

describe('the fast helpers leave to the full CLI what they do not know', () => {
  const git = planGit('protocol=https\nhost=git.example.com\n', 60);
  const docker = planDocker('registry.example.com', 60);
  const kube = planKube('api', 60, JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1' }));
  const stopping = JSON.stringify({
    error: { code: codes.agentStopping, message: 'the token agent is stopping' },
  });

  it('an agent stopping, an error of the whole request, an older agent without the route, garbage', () => {
    for (const plan of [git, docker, kube]) {
      assert.ok(!('print' in plan));
      for (const [status, text] of [
        [503, stopping],
        [200, 'not json'],
        [200, '{}'],
        [302, '{}'],
      ] as const)
        assert.equal(plan.finish(status, text, nowSeconds), undefined, `${status} ${text}`);
    }
    const internal = JSON.stringify({ error: { code: 'ERR_AGENT_INTERNAL', message: 'internal error' } });
    for (const plan of [git, docker]) {
      assert.ok(!('print' in plan));
      // The route's answer is 200 whatever the token's fate: anything else is the whole request's.
      assert.equal(plan.finish(500, internal, 0), undefined);
      assert.equal(
        plan.finish(404, JSON.stringify({ error: { code: codes.notFound, message: 'no such endpoint' } }), 0),
        undefined,
      );
    }
  });

  it('reads only well-formed credential answers', () => {
    const token = { access_token: fakeToken('t'), token_type: 'Bearer', expires_at: 5 };
    assert.deepEqual(readCredentialAnswer(JSON.stringify({ match: 'none' })), { match: 'none' });
    for (const bad of [
      { match: 'ambiguous', names: [1] },
      { match: 'token', name: 't', token },
      { match: 'token', name: 't', username: 'u', token: { ...token, access_token: '' } },
      { match: 'token', name: 't', username: 'u', token: { ...token, expires_at: '5' } },
      { match: 'token', name: 't', username: 'u', error: { code: 5, message: 'm' } },
      { match: 'token', name: 't', username: 'u', error: 'm' },
      { match: 'other' },
      null,
    ])
      assert.equal(readCredentialAnswer(JSON.stringify(bad)), undefined, JSON.stringify(bad));
  });

  it('kube: an ExecCredential or the coded line, from the token route', () => {
    assert.ok(!('print' in kube));
    const ok = kube.finish(
      200,
      JSON.stringify({ access_token: fakeToken('api'), token_type: 'Bearer', refresh_at: nowSeconds + 60 }),
      nowSeconds,
    );
    assert.deepEqual(JSON.parse(ok?.stdout ?? ''), {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {},
      status: { token: fakeToken('api'), expirationTimestamp: '2027-01-15T08:01:00Z' },
    });
    assert.deepEqual(
      kube.finish(
        404,
        JSON.stringify({ error: { code: codes.tokenUnknown, message: "no token named 'api'" } }),
        0,
      ),
      {
        stdout: '',
        stderr: "token-agent: kube-credential: token 'api': ERR_TOKEN_UNKNOWN: no token named 'api'\n",
        exitCode: 1,
      },
    );
    const v2 = planKube('api', 60, JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v2' }));
    assert.ok('print' in v2 && v2.print.exitCode === 1);
  });

  it('hands the stdin it read to the full CLI once', () => {
    assert.equal(takeHandedStdin(), undefined);
    handStdin('protocol=https\n');
    assert.equal(takeHandedStdin(), 'protocol=https\n');
    assert.equal(takeHandedStdin(), undefined);
  });
});

describe('the fast helpers take a command line only when the full CLI reads it the same', () => {
  const taken: string[][] = [
    ['git-credential', 'get'],
    ['git-credential', 'get', '--min-valid', '0'],
    ['git-credential', '--config=/c.json', 'get'],
    ['kube-credential', 'api'],
    ['kube-credential', 'api', '--min-valid=300', '--config', '/c.json'],
    ['docker-credential', 'get'],
  ];
  const left: string[][] = [
    ['git-credential', 'store'],
    ['git-credential', 'erase'],
    ['git-credential', 'capability'],
    ['git-credential'],
    ['git-credential', 'get', 'extra'],
    ['git-credential', 'get', '--no-agent'],
    ['git-credential', 'get', '--verbose'],
    ['git-credential', 'get', '--min-valid', '86401'],
    ['kube-credential'],
    ['kube-credential', 'a/b'],
    ['kube-credential', 'api', '-h'],
    ['docker-credential', 'list'],
    ['docker-credential', 'store'],
    ['docker-credential', 'erase'],
  ];

  it('reads the same command and validity as cli/args.ts', () => {
    for (const argv of taken) {
      const fast = parseFastCommand(argv, {});
      assert.ok(fast, argv.join(' '));
      const full = parseCommandLine(argv) as unknown as Record<string, unknown>;
      assert.equal(full.kind, fast.kind, argv.join(' '));
      assert.equal(full.minValidSeconds, fast.minValidSeconds, argv.join(' '));
      assert.equal(full.config, fast.configFlag, argv.join(' '));
      if ('name' in fast) assert.equal(full.name, fast.name);
      else assert.equal(full.action, 'get');
    }
    assert.equal(parseFastCommand(['git-credential', 'get'], {})?.minValidSeconds, 60);
  });

  it('leaves every other one to the full CLI', () => {
    for (const argv of left) assert.equal(parseFastCommand(argv, {}), undefined, argv.join(' '));
    assert.equal(parseFastCommand(['kube-credential', 'api'], { TOKEN_AGENT_NO_AGENT: '1' }), undefined);
  });
});

describe('the full CLI asks an agent too old for the credential route the old way', () => {
  it('matches the remote itself from the definitions, with the same answer', async () => {
    const asked: string[] = [];
    const agent = context(asked);
    const client = {
      credential: async () => {
        throw new TokenAgentError(codes.notFound, 'no such endpoint');
      },
      definitions: async () => agent.definitions(),
      getToken: async (name: string, minValidSeconds: number) => {
        const token = await agent.get(name, minValidSeconds);
        return {
          access_token: token.accessToken,
          token_type: 'Bearer' as const,
          refresh_at: nowSeconds + 480,
        };
      },
      refresh: async () => {
        throw new Error('not asked');
      },
    };
    const answer = await gitCredential(
      'get',
      'protocol=https\nhost=git.example.com\npath=team/x\n',
      agentSource(client),
      {
        minValidSeconds: 60,
        nowSeconds: () => nowSeconds,
      },
    );
    assert.deepEqual(answer, {
      stdout: `username=x-access-token\npassword=${fakeToken('team')}\npassword_expiry_utc=${nowSeconds + 480}\n`,
      stderr: '',
      exitCode: 0,
    });
    assert.deepEqual(asked, ['team 60']);
  });
});
