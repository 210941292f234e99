// #12: the README has a section per consumer with the one line of configuration it takes. Each line is
// checked against what the code accepts, so a renamed command or flag cannot leave a stale line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README: one line of configuration per consumer', () => {
  it('git, kubectl, docker, run, scripts and other extensions each have theirs', () => {
    const lines = {
      git: "git config --global credential.https://git.example.com.helper '!token-agent git-credential'",
      kubectl: 'command: token-agent, args: [kube-credential, api]',
      docker: '{ "credHelpers": { "registry.example.com": "token-agent" } }',
      run: 'token-agent run --env API_TOKEN=api -- ./deploy.sh',
      scripts: 'token-agent status api --min-valid 300',
      extensions: "vscode.authentication.getSession('token-agent', ['demo']",
    };
    for (const [consumer, line] of Object.entries(lines))
      assert.ok(readme.includes(line), `the README's ${consumer} line: ${line}`);
  });

  it('the command lines it shows are ones the CLI accepts', () => {
    for (const argv of [
      ['git-credential', 'get'],
      ['kube-credential', 'api'],
      ['run', '--env', 'API_TOKEN=api', '--', './deploy.sh'],
      ['status', 'api', '--min-valid', '300'],
    ]) {
      const kind = (parseCommandLine(argv) as { kind: string }).kind;
      assert.notEqual(kind, 'usage-error', argv.join(' '));
      assert.notEqual(kind, 'help', argv.join(' '));
    }
  });
});
