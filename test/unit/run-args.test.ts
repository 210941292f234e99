import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';
import { childEnv } from '../../agent/run/childEnv';

describe('token-agent run: the command line', () => {
  it('reads bindings, options and the program with its own arguments', () => {
    assert.deepEqual(
      parseCommandLine([
        'run',
        '--env',
        'API_TOKEN=api',
        '--file=TOKEN_FILE=other.name',
        '--min-valid',
        '60',
        '--config',
        '/tmp/c.json',
        '--',
        'node',
        'server.js',
        '--env',
        'x',
        '--',
      ]),
      {
        kind: 'run',
        env: [{ variable: 'API_TOKEN', name: 'api' }],
        files: [{ variable: 'TOKEN_FILE', name: 'other.name' }],
        minValidSeconds: 60,
        mask: true,
        program: 'node',
        args: ['server.js', '--env', 'x', '--'],
        config: '/tmp/c.json',
      },
    );
  });

  it('takes the program without `--` too, and --no-mask', () => {
    const command = parseCommandLine(['run', '--no-mask', '--env', 'T=api', 'printenv', 'T']);
    assert.deepEqual(command, {
      kind: 'run',
      env: [{ variable: 'T', name: 'api' }],
      files: [],
      minValidSeconds: 0,
      mask: false,
      program: 'printenv',
      args: ['T'],
    });
  });

  it('says what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [['run', '--env', 'T=api'], /needs a program/],
      [['run', '--', 'true'], /at least one --env/],
      [['run', '--env', 'T=api', '--env', 'T=other', '--', 'true'], /T is given twice/],
      [['run', '--env', 'T', '--', 'true'], /VAR=NAME/],
      [['run', '--env', '1T=api', '--', 'true'], /variable name/],
      [['run', '--file', 'T=a/b', '--', 'true'], /token name/],
      [['run', '--env'], /needs a value/],
      [['run', '--env', 'T=api', '--min-valid', 'soon', '--', 'true'], /whole seconds/],
      [['run', '--env', 'T=api', '--min-valid', '86401', '--', 'true'], /whole seconds/],
      [['run', '--bogus', '--', 'true'], /does not know the option '--bogus'/],
      [['run', '--no-agent', '--env', 'T=api', '--', 'true'], /needs the user agent/],
    ];
    for (const [argv, message] of cases) {
      const command = parseCommandLine(argv);
      assert.equal(command.kind, 'usage-error', argv.join(' '));
      assert.match((command as { message: string }).message, message, argv.join(' '));
    }
    assert.deepEqual(parseCommandLine(['run', '--help']), { kind: 'help' });
  });

  it('builds the child environment over the caller’s', () => {
    const env = childEnv(
      { PATH: '/bin', KEEP: 'yes', API: 'stale' },
      [{ binding: { variable: 'API', name: 'api' }, token: 'fresh-fake' }],
      [{ binding: { variable: 'API_FILE', name: 'api' }, path: '/run/x/API_FILE' }],
    );
    assert.deepEqual(env, { PATH: '/bin', KEEP: 'yes', API: 'fresh-fake', API_FILE: '/run/x/API_FILE' });
  });
});
