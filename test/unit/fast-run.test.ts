// The small entry point starts `run`'s child itself (--env and --file bindings) only with every token
// answered fresh; anything else (a usage error, an error, a short-lived token) is the full CLI's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../agent/cli/args';
import { fastRunCommand, freshAnswer } from '../../agent/fast/fastRun';

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

  it('takes --file bindings, alone or beside --env', () => {
    for (const argv of [
      ['run', '--file', 'F=api', '--', 'true'],
      ['run', '--env', 'T=api', '--file', 'F=api', '--min-valid', '30', '--', 'true'],
    ])
      assert.deepEqual(fastRunCommand(argv, {}), parseCommandLine(argv), argv.join(' '));
    assert.deepEqual(fastRunCommand(['run', '--file', 'F=api', '--', 'true'], {})?.files, [
      { variable: 'F', name: 'api' },
    ]);
  });

  it('leaves usage errors, --help, other commands and TOKEN_AGENT_NO_AGENT to the full CLI', () => {
    for (const argv of [
      ['run', '--', 'true'],
      ['run', '--env', 'T=api'],
      ['run', '--file', 'F=api'],
      ['run', '--help'],
      ['run', '--no-agent', '--env', 'T=api', '--', 'true'],
      ['get', 'api'],
    ])
      assert.equal(fastRunCommand(argv, {}), undefined, argv.join(' '));
    assert.equal(
      fastRunCommand(['run', '--file', 'F=api', '--', 'true'], { TOKEN_AGENT_NO_AGENT: '1' }),
      undefined,
    );
  });

  it('uses only a fresh token answered 200; anything else is handed over', () => {
    const answer = {
      access_token: fakeToken,
      token_type: 'Bearer',
      expires_at: 1_800_000_300,
      expires_in: 300,
    };
    assert.deepEqual(freshAnswer(200, JSON.stringify(answer)), answer);
    assert.equal(
      freshAnswer(200, JSON.stringify({ access_token: fakeToken, short_of_min_valid: true })),
      undefined,
    );
    assert.equal(freshAnswer(200, JSON.stringify({ access_token: '' })), undefined);
    // The feed times refreshes by the expiry: one it cannot read is not used.
    assert.equal(
      freshAnswer(200, JSON.stringify({ access_token: fakeToken, expires_at: 'soon' })),
      undefined,
    );
    assert.equal(freshAnswer(200, 'not json'), undefined);
    assert.equal(
      freshAnswer(401, JSON.stringify({ error: { code: 'ERR_NEEDS_SIGN_IN', message: 'x' } })),
      undefined,
    );
  });
});
