// The small entry point (agent/fast/) answers `get` itself: it must read a command line exactly as the
// full CLI does whenever it takes one, print what the full CLI prints for each answer, and stay small.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { sha256Hex } from '../../agent/base/sha256';
import { parseCommandLine } from '../../agent/cli/args';
import { parseResponse } from '../../agent/fast/ask';
import { fastOutput, healthy, parseFastGet } from '../../agent/fast/fastGet';

const argvSamples: string[][] = [
  ['get', 'api'],
  ['get', 'api', '--min-valid', '60'],
  ['get', 'api', '--min-valid=60'],
  ['--min-valid', '0', 'get', 'api'],
  ['get', '--config', '/tmp/c.json', 'api'],
  ['get', 'api', '--config=/tmp/c.json', '--min-valid', '86400'],
  ['get', 'api', '--config='],
  ['get', 'my.token@team_1'],
  ['get', 'api', '--min-valid', '007'],
  // Everything below is the full CLI's to answer (a usage error, another command, a flag it owns).
  ['get'],
  ['get', 'api', 'extra'],
  ['get', 'api', '--min-valid', '86401'],
  ['get', 'api', '--min-valid', '-1'],
  ['get', 'api', '--min-valid', '1.5'],
  ['get', 'api', '--min-valid', '1e2'],
  ['get', 'api', '--min-valid', ''],
  ['get', 'api', '--min-valid'],
  ['get', 'api', '--min-valid', '5', '--min-valid', '6'],
  ['get', 'api', '--no-agent'],
  ['get', 'api', '--json'],
  ['get', 'api', '-h'],
  ['get', 'api', '--version'],
  ['get', '--', 'api'],
  ['get', 'a/b'],
  ['status'],
  ['refresh', 'api'],
  ['--version'],
  [],
];

describe('the fast get', () => {
  it('takes a command line only when the full CLI reads it as the same get', () => {
    let taken = 0;
    for (const argv of argvSamples) {
      const fast = parseFastGet(argv, {});
      if (!fast) continue;
      taken++;
      assert.deepEqual(
        parseCommandLine(argv),
        {
          kind: 'get',
          name: fast.name,
          minValidSeconds: fast.minValidSeconds,
          ...(fast.configFlag !== undefined ? { config: fast.configFlag } : {}),
          // `--config=` is an empty flag to the full CLI, which then uses no config flag either.
          ...(argv.includes('--config=') ? { config: '' } : {}),
        },
        argv.join(' '),
      );
    }
    assert.equal(taken, 9, 'the first nine samples are taken');
  });

  it('leaves everything else to the full CLI', () => {
    for (const argv of argvSamples.slice(9)) assert.equal(parseFastGet(argv, {}), undefined, argv.join(' '));
    assert.equal(parseFastGet(['get', 'api'], { TOKEN_AGENT_NO_AGENT: '1' }), undefined);
    assert.deepEqual(parseFastGet(['get', 'api'], { TOKEN_AGENT_NO_AGENT: '0' }), {
      name: 'api',
      minValidSeconds: 0,
    });
  });

  it('prints the token alone, or the coded line the full CLI prints', () => {
    const token = `fake.${'x'.repeat(40)}.token`;
    assert.deepEqual(fastOutput(200, JSON.stringify({ access_token: token, expires_in: 60 })), {
      stdout: `${token}\n`,
      stderr: '',
      exitCode: 0,
    });
    assert.deepEqual(
      fastOutput(
        404,
        JSON.stringify({ error: { code: 'ERR_TOKEN_UNKNOWN', message: "no token named 'x'" } }),
      ),
      { stdout: '', stderr: "token-agent: ERR_TOKEN_UNKNOWN: no token named 'x'\n", exitCode: 1 },
    );
  });

  it('hands unusual answers back to the full CLI', () => {
    const cases: [number, string][] = [
      [200, 'not json'],
      [200, JSON.stringify({ access_token: '' })],
      [200, JSON.stringify({ token: 'x' })],
      [200, JSON.stringify({ access_token: 'abc', short_of_min_valid: true })],
      [200, 'null'],
      [503, JSON.stringify({ error: { code: 'ERR_STOPPING', message: 'the token agent is stopping' } })],
      [500, JSON.stringify({ error: { code: 'ERR_X' } })],
      [502, '<html>'],
      [302, JSON.stringify({ error: { code: 'ERR_X', message: 'x' } })],
    ];
    for (const [status, text] of cases)
      assert.equal(fastOutput(status, text), undefined, `${status} ${text}`);
  });

  it('asks only an agent that serves the config file asked for', () => {
    const health = (status: string, configPath: string) =>
      JSON.stringify({ status, pid: 1, api: 1, configPath });
    assert.equal(healthy(200, health('ok', '/c.json'), '/c.json'), true);
    assert.equal(healthy(200, health('ok', '/other.json'), '/c.json'), false);
    assert.equal(healthy(503, health('stopping', '/c.json'), '/c.json'), false);
    assert.equal(healthy(200, 'garbage', '/c.json'), false);
  });

  it('names a config’s socket with the digest node:crypto gives, without loading node:crypto', () => {
    for (const text of [
      '',
      'abc',
      'a'.repeat(55),
      'a'.repeat(56),
      'b'.repeat(64),
      '/tmp/é\0/data',
      'x'.repeat(300),
    ])
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'), JSON.stringify(text));
  });

  it('bundles no engine, store, language server or dependency', async () => {
    const result = await esbuild.build({
      entryPoints: ['agent/fast/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // esbuild.mjs swaps this package for a stub in the real build; here it only must not count.
      external: ['vscode-languageserver-protocol'],
    });
    // What `get` and the helpers load: the modules reached by imports, not those main.ts requires for
    // `run` alone (fastRun.ts).
    const inputs = result.metafile.inputs;
    const loaded = new Set<string>();
    const lazy = new Set<string>();
    const visit = (path: string) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const edge of inputs[path]?.imports ?? []) {
        if (edge.kind === 'require-call') lazy.add(edge.path);
        else visit(edge.path);
      }
    };
    visit('agent/fast/main.ts');
    assert.deepEqual([...lazy], ['agent/fast/fastRun.ts']);
    // Node built-ins it loads: each costs start-up time (node:crypto ~30 internal modules, node:http ~15 ms).
    const builtins = [...loaded].filter((path) => path.startsWith('node:')).sort();
    assert.deepEqual(builtins, ['node:fs', 'node:net', 'node:path']);
    // The helpers' wire modules only: matching a remote to a token is the agent's (daemon/served.ts).
    assert.deepEqual([...loaded].filter((path) => path in inputs).sort(), [
      'agent/base/errors.ts',
      'agent/base/sha256.ts',
      'agent/base/socketTrust.ts',
      'agent/base/stdinHandoff.ts',
      'agent/config/paths.ts',
      'agent/daemon/api.ts',
      'agent/daemon/heartbeat.ts',
      'agent/daemon/listen.ts',
      'agent/daemon/paths.ts',
      'agent/fast/ask.ts',
      'agent/fast/askAgent.ts',
      'agent/fast/fastArgs.ts',
      'agent/fast/fastGet.ts',
      'agent/fast/fastHelpers.ts',
      'agent/fast/main.ts',
      'agent/helpers/answer.ts',
      'agent/helpers/dockerWire.ts',
      'agent/helpers/gitWire.ts',
      'agent/helpers/kubeCredential.ts',
      'agent/protocol.ts',
    ]);
    // `run` adds the child's supervision, the pure run modules and the token folder (--file), still
    // no engine; the --file refresh feed is a bundle of its own (fast/fileFeed.ts), loaded later.
    const runInputs = Object.keys(inputs).filter((path) => !loaded.has(path) && !path.startsWith('node:'));
    assert.deepEqual(runInputs.sort(), [
      'agent/base/noFollow.ts',
      'agent/base/redact.ts',
      'agent/cli/runArgs.ts',
      'agent/fast/fastFiles.ts',
      'agent/fast/fastRun.ts',
      'agent/run/childEnv.ts',
      'agent/run/masker.ts',
      'agent/run/supervise.ts',
      'agent/run/tokenFolder.ts',
    ]);
    // Nor the built-ins that cost a start-up most: the files are written with node:fs alone.
    const runBuiltins = Object.values(inputs).flatMap((input) =>
      input.imports.map((edge) => edge.path).filter((path) => path.startsWith('node:')),
    );
    assert.ok(runBuiltins.includes('node:child_process'), runBuiltins.join(', '));
    for (const heavy of ['node:crypto', 'node:fs/promises', 'node:http'])
      assert.equal(runBuiltins.includes(heavy), false, `${heavy} in dist/agent.js`);
  });
});

describe('the fast get reads the agent’s answers', () => {
  const response = (head: string, body: string) => Buffer.from(`${head}\r\n\r\n${body}`);
  it('a complete answer with a Content-Length', () => {
    const body = '{"access_token":"fake"}\n';
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}`;
    assert.deepEqual(parseResponse(response(head, body)), { status: 200, text: body });
    // Not yet whole: wait for more.
    assert.equal(parseResponse(response(head, body.slice(0, 5))), undefined);
    assert.equal(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le')), undefined);
  });

  it('the config file the agent names on its answer, decoded', () => {
    const body = '{}';
    const head = (config: string) =>
      `HTTP/1.1 200 OK\r\nX-Token-Agent-Config: ${config}\r\nContent-Length: ${body.length}`;
    assert.deepEqual(parseResponse(response(head(encodeURIComponent('/tmp/é c.json')), body)), {
      status: 200,
      text: body,
      configPath: '/tmp/é c.json',
    });
    assert.equal(parseResponse(response(head('%E0%A4%A'), body)), undefined, 'not decodable: no answer');
  });

  it('nothing it was not built for: chunked, no length, not HTTP', () => {
    assert.equal(
      parseResponse(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', '5\r\nhello')),
      undefined,
    );
    assert.equal(parseResponse(response('HTTP/1.1 200 OK', '{}')), undefined);
    assert.equal(parseResponse(response('SSH-2.0-OpenSSH\r\nContent-Length: 2', '{}')), undefined);
    assert.equal(
      parseResponse(response('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3', '{}')),
      undefined,
    );
  });
});
