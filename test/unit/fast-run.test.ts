// The small entry point starts `run`'s child itself only for --env bindings with every token answered
// fresh; anything else (a usage error, --file, an error, a short-lived token) is the full CLI's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';
import { fastRunCommand, freshToken } from '../../agent/fast/fastRun';

const fakeToken = ['fake', 'token', 'x'.repeat(20)].join('-');

describe('fast run', () => {
  it('takes run --env … -- PROGRAM, read as the full CLI reads it', () => {
    const argv = [
      'run',
      '--env',
      'T=api',
      '--min-valid=60',
      '--config',
      '/tmp/c.json',
      '--',
      'node',
      '-e',
      '0',
    ];
    assert.deepEqual(fastRunCommand(argv, {}), parseCommandLine(argv));
    assert.equal(fastRunCommand(argv, {})?.minValidSeconds, 60);
  });

  it('leaves --file, usage errors, --help, other commands and TOKEN_AGENT_NO_AGENT to the full CLI', () => {
    for (const argv of [
      ['run', '--file', 'F=api', '--', 'true'],
      ['run', '--env', 'T=api', '--file', 'F=api', '--', 'true'],
      ['run', '--', 'true'],
      ['run', '--env', 'T=api'],
      ['run', '--help'],
      ['run', '--no-agent', '--env', 'T=api', '--', 'true'],
      ['get', 'api'],
    ])
      assert.equal(fastRunCommand(argv, {}), undefined, argv.join(' '));
    assert.equal(
      fastRunCommand(['run', '--env', 'T=api', '--', 'true'], { TOKEN_AGENT_NO_AGENT: '1' }),
      undefined,
    );
  });

  it('uses only a fresh token answered 200; anything else is handed over', () => {
    assert.equal(freshToken(200, JSON.stringify({ access_token: fakeToken, expires_in: 300 })), fakeToken);
    assert.equal(
      freshToken(200, JSON.stringify({ access_token: fakeToken, short_of_min_valid: true })),
      undefined,
    );
    assert.equal(freshToken(200, JSON.stringify({ access_token: '' })), undefined);
    assert.equal(freshToken(200, 'not json'), undefined);
    assert.equal(
      freshToken(401, JSON.stringify({ error: { code: 'ERR_NEEDS_SIGN_IN', message: 'x' } })),
      undefined,
    );
  });
});
