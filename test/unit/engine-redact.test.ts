import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mask, redactText, redactTokensInText } from '../../agent/base/redact';
import { fakeJwt } from '../support/fakeTokens';

// Built at run time so that no secret-shaped literal is committed.
const opaque = (length: number, seed = 'k') => `${seed}${'0123456789abcdefghij'.repeat(10)}`.slice(0, length);

describe('mask', () => {
  it('shows at most the first 8 characters', () => {
    const jwt = fakeJwt({ sub: 'demo' });
    assert.equal(mask(jwt), `${jwt.slice(0, 8)}…`);
    assert.equal(mask(opaque(40)), `${opaque(40).slice(0, 8)}…`);
  });

  it('shows no more than a quarter of a medium secret', () => {
    assert.equal(mask(opaque(24)), `${opaque(24).slice(0, 6)}…`);
    assert.equal(mask(opaque(31)), `${opaque(31).slice(0, 7)}…`);
  });

  it('masks short secrets whole', () => {
    for (const length of [0, 1, 8, 16, 23]) assert.equal(mask(opaque(length)), '***', String(length));
  });
});

describe('redactText', () => {
  it('replaces every occurrence of each known secret', () => {
    const secret = opaque(32);
    const text = `token=${secret}; again ${secret}.`;
    assert.equal(redactText(text, [secret]), `token=${mask(secret)}; again ${mask(secret)}.`);
  });

  it('prefers the longest secret when one contains another', () => {
    const long = opaque(40);
    const short = long.slice(0, 24);
    const text = `a ${long} b ${short} c`;
    assert.equal(redactText(text, [short, long]), `a ${mask(long)} b ${mask(short)} c`);
  });

  it('treats secrets as text, not as patterns', () => {
    const secret = 'a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o';
    assert.equal(redactText(`x ${secret} y axbbc`, [secret]), `x ${mask(secret)} y axbbc`);
  });

  it('leaves text alone when there is nothing to hide, and skips empty secrets', () => {
    assert.equal(redactText('nothing here', []), 'nothing here');
    assert.equal(redactText('nothing here', ['']), 'nothing here');
  });
});

describe('redactTokensInText', () => {
  it('masks JWTs, including encrypted (five-part) ones', () => {
    const jws = fakeJwt({ sub: 'demo', exp: 1 });
    const jwe = `${fakeJwt({ alg: 'dir', enc: 'A256GCM' }).split('.')[0]}..${opaque(16)}.${opaque(40)}.${opaque(22)}`;
    const text = `got ${jws}, then ${jwe}.`;
    assert.equal(redactTokensInText(text), `got ${mask(jws)}, then ${mask(jwe)}.`);
  });

  it('masks Bearer and Basic credentials', () => {
    const bearer = opaque(40, 'B');
    const basic = Buffer.from('client:not-a-real-secret').toString('base64');
    assert.equal(
      redactTokensInText(`Authorization: Bearer ${bearer}`),
      `Authorization: Bearer ${mask(bearer)}`,
    );
    assert.equal(
      redactTokensInText(`authorization: bearer ${bearer}`),
      `authorization: bearer ${mask(bearer)}`,
    );
    assert.equal(redactTokensInText(`Authorization: Basic ${basic}`), `Authorization: Basic ${mask(basic)}`);
    assert.equal(redactTokensInText('Bearer abc'), 'Bearer ***');
  });

  it('leaves challenge parameters and everyday words alone', () => {
    const challenge = 'WWW-Authenticate: Bearer realm="api", error="invalid_token"';
    assert.equal(redactTokensInText(challenge), challenge);
    assert.equal(redactTokensInText('basic auth is not supported'), 'basic auth is not supported');
  });

  it('masks OAuth secret parameters in JSON bodies and forms', () => {
    const refresh = opaque(32, 'r');
    const body = JSON.stringify({
      access_token: opaque(30, 'a'),
      refresh_token: refresh,
      token_type: 'Bearer',
    });
    assert.equal(
      redactTokensInText(body),
      JSON.stringify({
        access_token: mask(opaque(30, 'a')),
        refresh_token: mask(refresh),
        token_type: 'Bearer',
      }),
    );
    assert.equal(
      redactTokensInText(`grant_type=refresh_token&refresh_token=${refresh}&client_id=cli`),
      `grant_type=refresh_token&refresh_token=${mask(refresh)}&client_id=cli`,
    );
    assert.equal(redactTokensInText('{"client_secret": "s\\"hh"}'), '{"client_secret": "***"}');
  });

  it('changes nothing more when run twice', () => {
    const jwt = fakeJwt({ sub: 'demo' });
    const text = [
      `Authorization: Bearer ${jwt}`,
      `Authorization: Bearer ${opaque(40)}`,
      `raw ${jwt}`,
      JSON.stringify({ refresh_token: opaque(12), id_token: jwt }),
      `refresh_token=${opaque(30)}`,
    ].join('\n');
    const once = redactTokensInText(text);
    assert.equal(redactTokensInText(once), once);
    assert.ok(!once.includes(jwt.slice(0, 12)));
    assert.ok(!once.includes(opaque(40).slice(0, 9)));
  });

  it('leaves ordinary text unchanged', () => {
    const text = 'Refreshing token demo (expires in 120 s); eyJ alone is fine.';
    assert.equal(redactTokensInText(text), text);
  });
});
