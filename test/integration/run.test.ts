// `token-agent run` with real processes: the built CLI (dist/agent.js) through a user agent, against the
// test token server. A long-running child reads its token file across three expiries of short-lived
// tokens and every token it read verifies against the server's keys at the moment it read it; a child
// that prints its token never gets it to run's output; signals reach the child; run exits as it did.
// With the agent holding fresh tokens, the small entry point runs `run --file` itself: a preloaded
// probe shows the full CLI (agent-main.js) is never loaded, refreshes across expiries included.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mask } from '../../agent/base/redact';
import {
  type AgentWorkspace,
  agentBundle,
  createWorkspace,
  type RunningCli,
  verifyAccessToken,
} from '../support/agentCli';
import { startProcess } from '../support/agentProcess';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { agentPid, killLeftoverAgents, stopAgent, writeFullCliProbe } from '../support/userAgent';
import { waitUntil } from '../support/waitFor';

const ttlSeconds = 5;

let server: TokenServer;
let secrets: SecretService;
let workspace: AgentWorkspace;
let probe: string;

// The children, written at run time into the workspace.
const reader = `
const fs = require('node:fs');
const path = require('node:path');
const file = process.env.TOKEN_FILE;
const exp = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
fs.writeFileSync(process.env.READ_LOG + '.meta', JSON.stringify({
  file,
  dirMode: fs.statSync(path.dirname(file)).mode & 0o777,
  fileMode: fs.statSync(file).mode & 0o777,
}));
const seen = new Map();
const timer = setInterval(() => {
  const token = fs.readFileSync(file, 'utf8');
  fs.appendFileSync(process.env.READ_LOG, Date.now() + ' ' + token + '\\n');
  seen.set(token, exp(token));
  // Done once three tokens it read have expired: it kept reading across three expiries.
  if ([...seen.values()].filter((e) => e * 1000 < Date.now()).length >= 3) {
    clearInterval(timer);
    process.exit(0);
  }
}, 150);
setTimeout(() => process.exit(9), 90000);
`;
const printer = `
const fs = require('node:fs');
const token = process.env.API_TOKEN;
fs.writeFileSync(process.env.SIDE, token);
// Without --file (a run the small entry point starts by itself), the token stands in for the file's.
const fromFile = process.env.API_FILE ? fs.readFileSync(process.env.API_FILE, 'utf8') : token;
process.stdout.write('token: ' + token.slice(0, 12));
setTimeout(() => {
  process.stdout.write(token.slice(12, 40));
  setTimeout(() => {
    process.stdout.write(token.slice(40) + '\\nfile: ' + fromFile + '\\n');
    process.stderr.write('err ' + token + ' end\\n');
  }, 50);
}, 50);
`;
const waiter = `
const name = process.argv[2];
process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\\n'); process.exit(3); });
process.on('SIGHUP', () => { process.stdout.write('got SIGHUP\\n'); process.exit(4); });
process.stdout.write('ready ' + process.env.TOKEN_FILE + '\\n');
setInterval(() => {}, 1000);
`;

before(async () => {
  server = await startTokenServer({ accessTokenTtlSeconds: ttlSeconds });
  secrets = await startSecretService();
  workspace = await createWorkspace({ server, secrets, tokens: [{ name: 'api', refreshBeforeSeconds: 2 }] });
  await workspace.setSecret(
    'api',
    'refresh_token',
    await server.mintRefreshToken({ clientId: server.publicClientId }),
  );
  for (const [name, text] of Object.entries({ reader, printer, waiter }))
    await writeFile(join(workspace.dir, `${name}.cjs`), text);
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

/**
 * `token-agent run --config FILE RUNARGS -- node CHILD CHILDARGS`, with the probe preloaded: it writes
 * to $PROBE_OUT (when given) whether the full CLI was loaded.
 */
function run(
  runArgs: string[],
  child: string,
  extraEnv: Record<string, string> = {},
  childArgs: string[] = [],
): RunningCli {
  return startProcess(
    [
      ...(extraEnv.PROBE_OUT ? ['-r', probe] : []),
      agentBundle,
      'run',
      '--config',
      workspace.configPath,
      ...runArgs,
      '--',
      process.execPath,
      join(workspace.dir, `${child}.cjs`),
      ...childArgs,
    ],
    { ...process.env, ...workspace.env, ...extraEnv },
    '',
  );
}

/** Whether the run that wrote `probeOut` loaded the full CLI. */
async function fullCliLoaded(probeOut: string): Promise<boolean> {
  return (await readFile(probeOut, 'utf8')) === 'true';
}

/** The folders `run --file` left in the runtime folder the workspace's runs use. */
async function leftFolders(): Promise<string[]> {
  const base = join(workspace.env.XDG_RUNTIME_DIR ?? '', 'token-agent');
  if (!existsSync(base)) return [];
  return (await readdir(base)).filter((name) => name.startsWith('token-agent-run-'));
}

describe('token-agent run', { timeout: 180_000 }, () => {
  it('--file: a long-running child reads a valid token from its file across three expiries', async () => {
    const log = join(workspace.dir, 'reads.log');
    const probeOut = join(workspace.dir, 'probe-reader.out');
    const result = await run(['--file', 'TOKEN_FILE=api'], 'reader', { READ_LOG: log, PROBE_OUT: probeOut })
      .done;
    assert.equal(result.code, 0, `run: ${result.stderr}`);
    assert.equal(await fullCliLoaded(probeOut), false, 'the small entry point ran it, refreshes and all');
    const meta = JSON.parse(await readFile(`${log}.meta`, 'utf8')) as {
      file: string;
      dirMode: number;
      fileMode: number;
    };
    assert.equal(meta.fileMode, 0o600);
    assert.equal(meta.dirMode, 0o700);
    assert.equal(existsSync(dirname(meta.file)), false, 'the folder is removed when the child exits');
    const reads = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => {
        const [at, token] = line.split(' ');
        return { at: Number(at), token: token ?? '' };
      });
    const distinct = new Set(reads.map((read) => read.token));
    assert.ok(distinct.size >= 4, `read ${distinct.size} tokens over three expiries`);
    for (const read of reads) await verifyAccessToken(server, read.token, new Date(read.at));
    console.log(`# diagnostic: ${reads.length} reads, ${distinct.size} tokens, all valid when read`);
  });

  it('masks every token value in the child’s output, split across chunks or not', async () => {
    const side = join(workspace.dir, 'side.txt');
    const result = await run(['--env', 'API_TOKEN=api', '--file', 'API_FILE=api'], 'printer', { SIDE: side })
      .done;
    assert.equal(result.code, 0, result.stderr);
    const token = await readFile(side, 'utf8');
    await verifyAccessToken(server, token);
    assert.equal(result.stdout.includes(token), false, 'the token never reaches stdout');
    assert.equal(result.stderr.includes(token), false, 'nor stderr');
    assert.equal(result.stdout.includes(token.slice(8, 40)), false, 'nor a part of it beyond the mask');
    assert.equal(result.stdout, `token: ${mask(token)}\nfile: ${mask(token)}\n`);
    assert.match(result.stderr, new RegExp(`err ${mask(token).replace('…', '.')} end`));
  });

  it('--env alone (started by the small entry point) masks the same way', async () => {
    const side = join(workspace.dir, 'side-env.txt');
    const result = await run(['--env', 'API_TOKEN=api'], 'printer', { SIDE: side }).done;
    assert.equal(result.code, 0, result.stderr);
    const token = await readFile(side, 'utf8');
    await verifyAccessToken(server, token);
    assert.equal(result.stdout.includes(token.slice(8, 40)), false, 'no part of it beyond the mask');
    assert.equal(result.stdout, `token: ${mask(token)}\nfile: ${mask(token)}\n`);
    assert.match(result.stderr, new RegExp(`err ${mask(token).replace('…', '.')} end`));
    const unmasked = await run(['--no-mask', '--env', 'API_TOKEN=api'], 'printer', { SIDE: side }).done;
    assert.equal(unmasked.code, 0, unmasked.stderr);
    assert.ok(unmasked.stdout.includes(`token: ${await readFile(side, 'utf8')}\n`));
  });

  it('--no-mask passes the output through untouched', async () => {
    const side = join(workspace.dir, 'side-unmasked.txt');
    const result = await run(['--no-mask', '--env', 'API_TOKEN=api', '--file', 'API_FILE=api'], 'printer', {
      SIDE: side,
    }).done;
    assert.equal(result.code, 0, result.stderr);
    const token = await readFile(side, 'utf8');
    assert.ok(result.stdout.includes(`token: ${token}\n`));
  });

  it('exits with the child’s code, or its signal; 127 for a program that is not there', async () => {
    const exits = startProcess(
      [
        agentBundle,
        'run',
        '--config',
        workspace.configPath,
        '--env',
        'T=api',
        '--',
        process.execPath,
        '-e',
        'process.exit(7)',
      ],
      { ...process.env, ...workspace.env },
      '',
    );
    assert.equal((await exits.done).code, 7);
    const killed = startProcess(
      [
        agentBundle,
        'run',
        '--config',
        workspace.configPath,
        '--env',
        'T=api',
        '--',
        process.execPath,
        '-e',
        "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000)",
      ],
      { ...process.env, ...workspace.env },
      '',
    );
    assert.equal((await killed.done).signal, 'SIGTERM');
    const missing = await startProcess(
      [agentBundle, 'run', '--config', workspace.configPath, '--env', 'T=api', '--', '/nonexistent/program'],
      { ...process.env, ...workspace.env },
      '',
    ).done;
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot run '\/nonexistent\/program': ENOENT/);
  });

  it('forwards SIGTERM, SIGHUP and SIGINT to the child and removes the folder', async () => {
    for (const [signal, expected] of [
      ['SIGTERM', { code: 3, line: 'got SIGTERM' }],
      ['SIGHUP', { code: 4, line: 'got SIGHUP' }],
      ['SIGINT', { signal: 'SIGINT' }],
    ] as const) {
      const running = run(['--file', 'TOKEN_FILE=api'], 'waiter');
      let stdout = '';
      running.child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      await waitUntil(() => stdout.includes('\n'), 'the child to be ready', 30_000);
      const file = /^ready (\S+)/.exec(stdout)?.[1] ?? '';
      assert.ok(existsSync(file), 'the token file exists while the child runs');
      running.child.kill(signal);
      const result = await running.done;
      if ('code' in expected) {
        assert.equal(result.code, expected.code, `${signal}: ${result.stderr}`);
        assert.ok(stdout.includes(expected.line), `${signal}: ${stdout}`);
      } else assert.equal(result.signal, expected.signal, `${signal}: ${result.stderr}`);
      assert.equal(existsSync(dirname(file)), false, `${signal}: the folder is gone`);
    }
  });

  it('refuses to start the program when a token cannot be had', async () => {
    const result = await startProcess(
      [
        agentBundle,
        'run',
        '--config',
        workspace.configPath,
        '--env',
        'T=nosuch',
        '--',
        process.execPath,
        '-e',
        'console.log("ran")',
      ],
      { ...process.env, ...workspace.env },
      '',
    ).done;
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^token-agent: ERR_TOKEN_UNKNOWN: /);
  });

  it('--file: a token that cannot be had is the full CLI’s to report; no folder is left', async () => {
    const probeOut = join(workspace.dir, 'probe-refused.out');
    const result = await run(['--file', 'API_FILE=api', '--file', 'OTHER_FILE=nosuch'], 'printer', {
      PROBE_OUT: probeOut,
      SIDE: join(workspace.dir, 'side-refused.txt'),
    }).done;
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '', 'the program never ran');
    assert.match(result.stderr, /^token-agent: ERR_TOKEN_UNKNOWN: /);
    assert.equal(await fullCliLoaded(probeOut), true, 'handed over to the full CLI');
    assert.deepEqual(await leftFolders(), []);
  });
});

describe('token-agent run while the agent restarts', { timeout: 180_000 }, () => {
  it('--file keeps a valid token across expiries when the agent is stopped under it', async () => {
    const log = join(workspace.dir, 'reads-restart.log');
    const probeOut = join(workspace.dir, 'probe-restart.out');
    const running = run(['--file', 'TOKEN_FILE=api'], 'reader', { READ_LOG: log, PROBE_OUT: probeOut });
    // Once the child has read its first token, stop the agent: run finds (starts) the next one.
    await waitUntil(() => existsSync(log), 'the first read', 30_000);
    const stopped = await stopAgent(workspace);
    assert.ok(stopped !== undefined, 'an agent was running');
    const result = await running.done;
    assert.equal(result.code, 0, `run: ${result.stderr}`);
    const reads = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => {
        const [at, token] = line.split(' ');
        return { at: Number(at), token: token ?? '' };
      });
    for (const read of reads) await verifyAccessToken(server, read.token, new Date(read.at));
    const pid = await agentPid(workspace);
    assert.ok(pid !== undefined && pid !== stopped, 'a new agent serves the tokens');
    assert.equal(await fullCliLoaded(probeOut), false, 'the fast path’s feed found the new agent');
  });
});
