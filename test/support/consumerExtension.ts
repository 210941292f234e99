// A second extension, built at test run time, that uses Token Agent the way a REST client would:
// `vscode.authentication.getSession('token-agent', [name], …)`. It is packaged into a .vsix (vsce, as
// our own) and installed beside ours, so VS Code itself stands between the two: the consent dialog,
// the Accounts menu, sign-out. Each command writes what it got into a file the test reads; the access
// token goes into a 0600 file in the test's own 0700 folder, never to a log or the console.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from './waitFor';

const root = resolve(__dirname, '..', '..');

export const consumerDisplayName = 'Token Agent E2E Consumer';
export const consumerCommands = {
  /** getSession with createIfNone: true — the consent dialog, then a session. */
  get: 'E2E Consumer: Get Token',
  /** getSession with createIfNone: false and silent — a session only if one is already shared. */
  check: 'E2E Consumer: Check Token',
} as const;

/** What one command wrote: a session (the token kept apart, in its own file), none, or an error. */
export interface ConsumerResult {
  session?: { id: string; account: { id: string; label: string }; scopes: string[] };
  /** Path of the 0600 file holding the access token, when there was a session. */
  tokenFile?: string;
  none?: true;
  error?: string;
}

export interface ConsumerExtension {
  vsix: string;
  /** The folder the extension writes into (0700, the test's). */
  outDir: string;
  /** Forgets an earlier result of `command`, so the next wait sees only the coming one. */
  forget(command: keyof typeof consumerCommands): void;
  /** Waits for the result the extension writes for `command`. */
  result(command: keyof typeof consumerCommands, timeoutMs?: number): Promise<ConsumerResult>;
  remove(): void;
}

// The extension's code: plain CommonJS, no dependencies. The output folder is baked in at build time
// (it is this run's own temp folder). Each result is written under a temporary name, created
// exclusively (no symlink followed), then renamed, so the test never reads half a file.
function extensionSource(outDir: string, tokenName: string): string {
  return `'use strict';
const vscode = require('vscode');
const fs = require('node:fs');
const path = require('node:path');
const out = ${JSON.stringify(outDir)};
const tokenName = ${JSON.stringify(tokenName)};
let written = 0;

function write(file, text) {
  const temp = path.join(out, '.' + file + '.' + process.pid + '.' + ++written);
  fs.writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  fs.renameSync(temp, path.join(out, file));
}

function report(command, session) {
  if (!session) return write(command + '.json', JSON.stringify({ none: true }));
  write(command + '.token', session.accessToken);
  const { id, account, scopes } = session;
  write(command + '.json', JSON.stringify({ session: { id, account, scopes }, tokenFile: path.join(out, command + '.token') }));
}

function command(name, options) {
  return vscode.commands.registerCommand('tokenAgentE2eConsumer.' + name, async () => {
    try {
      report(name, await vscode.authentication.getSession('token-agent', [tokenName], options));
    } catch (error) {
      write(name + '.json', JSON.stringify({ error: String(error && error.message ? error.message : error) }));
    }
  });
}

exports.activate = (context) => {
  context.subscriptions.push(
    command('get', { createIfNone: true }),
    command('check', { createIfNone: false, silent: true }),
  );
};
exports.deactivate = () => undefined;
`;
}

function manifest(): Record<string, unknown> {
  return {
    name: 'token-agent-e2e-consumer',
    displayName: consumerDisplayName,
    description: 'Asks Token Agent for a token through the VS Code authentication API (e2e tests only).',
    publisher: 'token-agent-e2e',
    version: '0.0.1',
    engines: { vscode: '^1.96.0' },
    main: './extension.js',
    // Beside ours, as an extension built on Token Agent would declare it; VS Code then activates ours
    // first. The commands activate this one (implicit activation events since VS Code 1.74).
    extensionDependencies: ['token-agent-dev.token-agent'],
    contributes: {
      commands: Object.entries(consumerCommands).map(([id, title]) => ({
        command: `tokenAgentE2eConsumer.${id}`,
        title,
      })),
    },
  };
}

/** Builds and packages the consumer extension asking for the token `tokenName`. */
export function buildConsumerExtension(tokenName: string): ConsumerExtension {
  const base = mkdtempSync(join(tmpdir(), 'token-agent-e2e-consumer-'));
  const src = join(base, 'src');
  const outDir = join(base, 'out');
  mkdirSync(src);
  mkdirSync(outDir, { mode: 0o700 });
  writeFileSync(join(src, 'package.json'), JSON.stringify(manifest(), null, 2));
  writeFileSync(join(src, 'extension.js'), extensionSource(outDir, tokenName));
  writeFileSync(join(src, 'README.md'), `# ${consumerDisplayName}\n\nBuilt by Token Agent's e2e tests.\n`);
  const vsix = join(base, 'consumer.vsix');
  const packed = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--skip-license',
      '--allow-missing-repository',
      '--out',
      vsix,
    ],
    { cwd: src, encoding: 'utf8' },
  );
  if (packed.status !== 0)
    throw new Error(`packaging the consumer extension failed:\n${packed.stdout}\n${packed.stderr}`);

  const resultFile = (command: string) => join(outDir, `${command}.json`);
  return {
    vsix,
    outDir,
    forget: (command) => {
      rmSync(resultFile(command), { force: true });
      rmSync(join(outDir, `${command}.token`), { force: true });
    },
    result: async (command, timeoutMs = 60_000) => {
      await waitUntil(
        () => existsSync(resultFile(command)),
        `the consumer extension's answer to '${consumerCommands[command]}'`,
        timeoutMs,
      );
      return JSON.parse(readFileSync(resultFile(command), 'utf8')) as ConsumerResult;
    },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
