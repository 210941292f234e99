// What the engine quotes from outside (issue #18 item 4) leaves it redacted: a provider's
// error_description and a response body that echo the refresh token presented or another credential,
// a command's stderr, and the store's refusal. Under a fake clock and a fake token endpoint; the
// integration tier (outside-strings.test.ts) does the same against the real CLI and agent.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import type { CommandTokenDefinition } from '../../agent/config/types';
import { pendingState } from '../../agent/engine/pendingState';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import { findSecrets } from '../../agent/lint/findSecrets';
import { rig, rigsInTempDir, TestStore } from './engine-harness';

const planted = () => `planted-${randomUUID()}`;
const secretPart = (value: string) => value.slice('planted-'.length);

function assertClean(where: string, text: string, values: readonly string[]): void {
  for (const value of values) assert.ok(!text.includes(secretPart(value)), `${where} leaked: ${text}`);
}

describe('the engine redacts what it quotes from outside', () => {
  const { dataDir, rigs } = rigsInTempDir();

  it('a provider echoing the refresh token and a client secret in its error fields and body', async () => {
    const lines: string[] = [];
    const made = await rig(join(dataDir.dir, 'provider'), { log: (_level, line) => lines.push(line) });
    rigs.push(made);
    const { engine, idp } = made;
    const presented = idp.live ?? '';
    const other = planted();
    idp.failNext(1, {
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `refresh token ${presented} refused; client_secret=${other}`,
      },
    });
    await assert.rejects(engine.get('api'), (error: TokenAgentError) => {
      assertClean('the error', `${error.message}\n${error.stack}`, [presented, other]);
      assert.equal(error.cause, undefined, 'the cause (with the raw answer) is dropped');
      return error.code === codes.tokenEndpointHttp;
    });
    const state = JSON.stringify(engine.state('api'));
    assertClean('the status', state, [presented, other]);
    assertClean('the log', lines.join('\n'), [presented, other]);
    assert.match(state, /invalid_request/, 'the OAuth error code stays readable');
  });

  it('caps a long error_description on its own, so that the advice after it is kept', async () => {
    const made = await rig(join(dataDir.dir, 'long'));
    rigs.push(made);
    const long = `AADSTS700082: The refresh token has expired due to inactivity. ${'Trace ID: 0000. '.repeat(40)}`;
    made.idp.failNext(1, { status: 400, body: { error: 'invalid_grant', error_description: long } });
    await assert.rejects(made.engine.get('api'), (error: TokenAgentError) => {
      assert.match(error.message, /\(invalid_grant: AADSTS700082: The refresh token has expired/);
      assert.match(error.message, /…\)\. Sign in again\.$/, error.message);
      assert.ok(error.message.length < long.length, 'the description was cut');
      return error.code === codes.needsSignIn;
    });
  });

  it("a token command's stderr, with a URL secret and a Bearer header", async () => {
    const lines: string[] = [];
    const query = planted();
    const bearer = planted();
    const script = join(dataDir.dir, `fail-${randomUUID()}.sh`);
    await writeFile(
      script,
      [
        '#!/bin/sh',
        `echo "curl: (22) https://idp.example/token?client_secret=${query}&x=1" >&2`,
        `echo "> Authorization: Bearer ${bearer}" >&2`,
        'exit 1',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o700);
    const definition: CommandTokenDefinition = {
      name: 'cmd',
      type: 'command',
      command: [script],
      timeoutSeconds: 10,
      refreshBeforeSeconds: 60,
    } as CommandTokenDefinition;
    const engine = new TokenEngine({
      definitions: [definition],
      store: new TestStore(),
      dataDir: join(dataDir.dir, 'command'),
      schedule: false,
      findSecrets,
      log: (_level, line) => lines.push(line),
    });
    try {
      await assert.rejects(engine.get('cmd'), (error: TokenAgentError) => {
        assertClean('the error', `${error.message}\n${error.stack}`, [query, bearer]);
        assert.match(error.message, /The token command '.*' failed \(curl: \(22\)/);
        return error.code === codes.commandFailed;
      });
      assertClean('the status', JSON.stringify(engine.states()), [query, bearer]);
      assertClean('the log', lines.join('\n'), [query, bearer]);
    } finally {
      engine.stop();
      await engine.idle();
    }
  });

  it('masks the access token it holds wherever a log line or status message quotes it', async () => {
    const made = await rig(join(dataDir.dir, 'held'));
    rigs.push(made);
    const token = await made.engine.get('api');
    const echoed = `an API said: ${token.accessToken} is fine`;
    assert.ok(!made.engine.redact(echoed).includes(token.accessToken));
    assert.equal(made.engine.redact('nothing secret here'), 'nothing secret here');
  });

  it('masks the refresh token and client secret it last read or wrote, echoed by anything', async () => {
    const made = await rig(join(dataDir.dir, 'witness'));
    rigs.push(made);
    const { engine, idp, store } = made;
    const first = idp.live ?? '';
    const secret = planted();
    await store.inner.set('api', 'client_secret', secret);
    assert.ok(engine.redact(`echo ${first}`).includes(first), 'not seen yet: nothing to mask');
    await engine.get('api');
    const rotated = idp.live ?? '';
    assert.notEqual(rotated, first);
    const echoed = engine.redact(`a command said ${rotated} and ${secret}`);
    assertClean('the echo', echoed, [secret]);
    assert.ok(!echoed.includes(rotated), echoed);
    await engine.removeSecrets('api');
    assert.ok(engine.redact(`echo ${rotated}`).includes(rotated), 'forgotten once deleted');
  });
});

describe('pendingState on a file-system refusal', () => {
  it('says the disk is full, with the errno, and that nothing is lost', () => {
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const error = new TokenAgentError(codes.storeUnavailable, 'cannot be written', { cause: enospc });
    const state = pendingState({ values: { refresh_token: 'x' }, since: 1, error, retries: 0 });
    assert.equal(
      state.message,
      'new refresh token not yet saved: the disk is full, free some space (ERR_STORE_UNAVAILABLE, ENOSPC)',
    );
    const erofs = Object.assign(new Error('read-only'), { code: 'EROFS' });
    const readOnly = new TokenAgentError(codes.storeUnavailable, 'x', { cause: erofs });
    assert.match(
      pendingState({ values: { access_token: 'x' }, since: 1, error: readOnly, retries: 0 }).message,
      /^new access token not yet saved: the file system is read-only \(ERR_STORE_UNAVAILABLE, EROFS\)$/,
    );
  });
});
