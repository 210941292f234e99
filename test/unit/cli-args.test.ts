import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';

describe('parseCommandLine', () => {
  it('shows help with no command, -h or --help', () => {
    for (const argv of [[], ['-h'], ['--help'], ['lsp', '--help']]) {
      assert.deepEqual(parseCommandLine(argv), { kind: 'help' }, argv.join(' '));
    }
  });

  it('prints the version', () => {
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['-v']), { kind: 'version' });
  });

  it('runs the language server over the transport vscode-languageclient chose', () => {
    assert.deepEqual(parseCommandLine(['lsp', '--stdio']), { kind: 'lsp' });
    assert.deepEqual(parseCommandLine(['lsp', '--node-ipc', '--clientProcessId=12']), { kind: 'lsp' });
  });

  it('explains what is wrong instead of throwing', () => {
    const cases: [string[], RegExp][] = [
      [['lsp'], /needs a transport/],
      [['lsp', '--stdio', 'extra'], /takes no arguments, got 'extra'/],
      [['fly'], /Unknown command 'fly'/],
      [['--bogus'], /bogus/],
    ];
    for (const [argv, message] of cases) {
      const command = parseCommandLine(argv);
      assert.equal(command.kind, 'usage-error', argv.join(' '));
      assert.match((command as { message: string }).message, message);
    }
  });
});
