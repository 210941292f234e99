// The one redactor for strings from outside the agent (issue #18 item 4): what it masks, what it
// leaves readable, the cap, and the error it rewrites.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  cap,
  maskSpans,
  redactError,
  redactKnown,
  redactNamedValues,
  redactOutside,
} from '../../agent/base/redact';

// Built at run time: no secret-shaped literal is committed.
const planted = () => `planted-${randomUUID()}`;
const secretPart = (value: string) => value.slice('planted-'.length);

function assertHidden(text: string, value: string): void {
  assert.ok(!text.includes(secretPart(value)), `leaked in: ${text}`);
  assert.ok(!text.includes(secretPart(value).slice(0, 8)), `a long prefix leaked in: ${text}`);
}

describe('redactOutside', () => {
  it('masks the shapes a failing command or provider prints', () => {
    const value = planted();
    const basic = Buffer.from(`client:${value}`).toString('base64');
    const shapes = [
      `curl: (22) https://idp.example/token?client_secret=${value}&grant_type=client_credentials`,
      `> Authorization: Bearer ${value}`,
      `authorization: ${value}`,
      `Authorization: Basic ${basic}`,
      `{"error":"invalid_client","client_secret":"${value}"}`,
      `{'password': '${value}'}`,
      `password: ${value} and more`,
      `X-Api-Key: ${value}`,
      `API_KEY=${value}`,
      `code=${value}`,
      `client_assertion=${value}`,
      `DB_PASSWORD="${value}"`,
      `redis://:${value}@cache.example:6379`,
      `https://user:${value}@git.example/repo.git`,
      `"Authorization": "Bearer ${value}"`,
    ];
    for (const shape of shapes) {
      const out = redactOutside(shape);
      assertHidden(out, value);
      if (shape.includes('Basic')) assert.ok(!out.includes(basic.slice(0, 12)), out);
    }
  });

  it('masks the secrets it is given wherever they are, whatever their shape', () => {
    // Starts with a letter, so its upper-case copy (another string, left as it is) never repeats the
    // secret's prefix: a UUID whose first 8 hex digits are all digits (2.3% of them) failed the test.
    const held = planted().replace(/^planted-./, 'planted-f');
    const out = redactOutside(`the grant ${held} is unknown (${held.toUpperCase()})`, { secrets: [held] });
    assertHidden(out, held);
    assert.match(out, /^the grant planted-… is unknown/);
  });

  it('masks what an injected finder finds', () => {
    const value = planted();
    const text = `look: ${value} here`;
    const find = (t: string) => {
      const start = t.indexOf(value);
      return start < 0 ? [] : [{ start, end: start + value.length }];
    };
    assertHidden(redactOutside(text, { find }), value);
    assert.equal(redactOutside(text), text, 'without the finder, a bare word is no shape');
  });

  it('keeps what tells people what went wrong', () => {
    for (const text of [
      'token_type: Bearer',
      'error_code: invalid_request',
      'error=invalid_grant&error_description=grant+expired',
      'code_challenge_method=S256',
      'token_endpoint: https://idp.example/token',
      "OOM command not allowed when used memory > 'maxmemory'.",
      'exit status: 1',
    ])
      assert.equal(redactOutside(text), text);
  });

  it('makes one line of many, so that stderr cannot forge log lines', () => {
    assert.equal(redactOutside('first\nsecond\r\n\tthird'), 'first second third');
  });

  it('caps the length after masking, so a cut never leaves half a secret', () => {
    const value = planted();
    const long = `${'x'.repeat(290)} client_secret=${value}`;
    const out = redactOutside(long);
    assert.equal(out.length, 300);
    assert.ok(out.endsWith('…'));
    assertHidden(out, value);
    assert.equal(redactOutside('y'.repeat(50), { maxLength: 10 }), `${'y'.repeat(9)}…`);
    assert.throws(() => redactOutside('y', { maxLength: 0 }), TypeError);
  });

  it('changes nothing more when run twice', () => {
    const value = planted();
    const once = redactOutside(`password=${value} Bearer ${value} {"token":"${value}"}`, {
      secrets: [value],
    });
    assert.equal(redactOutside(once, { secrets: [value] }), once);
  });

  it('bounds its work on a huge input', () => {
    const huge = `token=${'a'.repeat(2_000_000)}`;
    const out = redactOutside(huge);
    assert.ok(out.length <= 300);
    assert.ok(!out.includes('a'.repeat(20)));
  });
});

describe('redactKnown (the sinks: log lines, status messages)', () => {
  it('masks held secrets and found ones but keeps the agent’s own wording', () => {
    const value = planted();
    const line = `token 'ci-token': refresh failed: ERR_REFRESH_FAILED: ${value}`;
    const out = redactKnown(line, { secrets: [value] });
    assert.equal(out, `token 'ci-token': refresh failed: ERR_REFRESH_FAILED: planted-…`);
    assert.equal(redactKnown(`token 'ci-token': refresh failed`), `token 'ci-token': refresh failed`);
  });
});

describe('redactNamedValues, maskSpans, cap', () => {
  it('leaves values already masked alone', () => {
    assert.equal(redactNamedValues('password=***'), 'password=***');
    assert.equal(redactNamedValues('token: abcdefgh…'), 'token: abcdefgh…');
    assert.equal(redactOutside('client_secret=abcdefgh….'), 'client_secret=abcdefgh….');
  });

  it('masks overlapping spans once, the outer one first', () => {
    const text = `a ${'s'.repeat(40)} b`;
    const out = maskSpans(text, [
      { start: 4, end: 10 },
      { start: 2, end: 42 },
      { start: 100, end: 120 },
    ]);
    assert.equal(out, `a ${'s'.repeat(8)}… b`);
  });

  it('leaves a span that stops just short of a mask alone', () => {
    assert.equal(maskSpans('key=abcdefgh… end', [{ start: 4, end: 12 }]), 'key=abcdefgh… end');
  });

  it('never splits a surrogate pair', () => {
    assert.equal(cap('ab😀cd', 4), 'ab…');
  });
});

describe('redactError', () => {
  it('rewrites the message and the stack, drops the cause, keeps the class and fields', () => {
    const value = planted();
    class Coded extends Error {
      readonly code = 'ERR_X';
    }
    const error = new Coded(`failed (client_secret=${value})`, { cause: new Error(`stderr: ${value}`) });
    const same = redactError(error, (text) => redactOutside(text));
    assert.equal(same, error);
    assert.ok(same instanceof Coded);
    assert.equal(same.code, 'ERR_X');
    assertHidden(same.message, value);
    assertHidden(same.stack ?? '', value);
    assert.match(same.stack ?? '', /\n\s+at /, 'the frames stay');
    assert.equal(same.cause, undefined);
    assert.equal(
      redactError('not an error', (t) => t),
      'not an error',
    );
  });
});
