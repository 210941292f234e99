// What real token-printing CLIs print, read by the pure parser (#12 item 7): each shape, dates with and
// without a zone, the seconds/milliseconds heuristic, and bad input refused with a code that names
// the field and never the token. Tokens here are built at run time and obviously fake.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CommandOutput,
  CommandOutputError,
  epochMillisecondsFrom,
  epochSecondsFrom,
  parseDate,
  readCommandOutput,
} from '../../agent/engine/commandOutput';

const fake = (label: string) => `fake-${label}-${process.pid}-${Date.now().toString(36)}`;
const at = (iso: string) => Date.parse(iso);

/** A JWT-shaped fake: three base64url parts, an `exp` in it. */
function fakeJwt(exp: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'test', exp })}.${'x'.repeat(8)}`;
}

function refused(run: () => unknown, field: string, problem: RegExp, secret?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CommandOutputError, String(error));
    assert.equal(error.code, 'ERR_COMMAND_FAILED');
    assert.equal(error.field, field);
    assert.match(error.problem, problem);
    if (secret !== undefined) assert.ok(!error.message.includes(secret), error.message);
    return true;
  });
}

describe('readCommandOutput: bare tokens', () => {
  it('reads an opaque token (gcloud auth print-access-token, gh auth token) with no expiry', () => {
    const token = fake('ya29');
    assert.deepEqual(readCommandOutput(`${token}\n`), { accessToken: token });
  });

  it('reads a bare JWT as it is: its exp is read later, with the other JWT claims', () => {
    const jwt = fakeJwt(2_000_000_000);
    assert.deepEqual(readCommandOutput(`  ${jwt}\r\n`), { accessToken: jwt });
  });

  it('refuses empty output and output of several words, without quoting it', () => {
    refused(() => readCommandOutput('  \n'), 'the output', /is empty/);
    const secret = fake('leak');
    refused(() => readCommandOutput(`Token: ${secret}\n`), 'the output', /not a single token/, secret);
    refused(
      () => readCommandOutput(`${secret}\nsecond line`),
      'the output',
      /several words or lines/,
      secret,
    );
  });

  it('refuses a bare token when the definition names a field: the JSON it expected is not there', () => {
    refused(() => readCommandOutput(fake('bare'), { tokenField: 'a.b' }), 'the output', /tokenField/);
    refused(() => readCommandOutput(fake('bare'), { expiryField: 'a.b' }), 'the output', /expiryField/);
  });
});

describe('readCommandOutput: JSON shapes of real CLIs', () => {
  it('an OAuth token response: access_token, expires_in as seconds from now', () => {
    const token = fake('oauth');
    assert.deepEqual(readCommandOutput(JSON.stringify({ access_token: token, expires_in: 3599 })), {
      accessToken: token,
      expiry: { inSeconds: 3599 },
      expiryField: 'expires_in',
    });
  });

  it('expiresIn (camelCase) is seconds from now too, even as a numeric string', () => {
    const token = fake('camel');
    const out = readCommandOutput(JSON.stringify({ accessToken: token, expiresIn: '1800' }));
    assert.deepEqual(out.expiry, { inSeconds: 1800 });
  });

  it('az account get-access-token (new): expires_on in epoch seconds wins over the zone-less expiresOn', () => {
    const token = fake('az');
    const printed = {
      accessToken: token,
      expiresOn: '2026-12-05 22:10:00.000000',
      expires_on: 1_796_508_600,
      subscription: '00000000-0000-0000-0000-000000000000',
      tenant: '00000000-0000-0000-0000-000000000000',
      tokenType: 'Bearer',
    };
    assert.deepEqual(readCommandOutput(JSON.stringify(printed, null, 2)), {
      accessToken: token,
      expiry: { atMs: 1_796_508_600_000 },
      expiryField: 'expires_on',
    });
  });

  it('az (old): expiresOn alone, local time without a zone', () => {
    const token = fake('az-old');
    const out = readCommandOutput(
      JSON.stringify({ accessToken: token, expiresOn: '2026-12-05 22:10:00.000000' }),
    );
    assert.deepEqual(out.expiry, { atMs: new Date(2026, 11, 5, 22, 10, 0).getTime() });
    assert.equal(out.expiryField, 'expiresOn');
  });

  it("a kubectl exec plugin's ExecCredential: status.token and status.expirationTimestamp (RFC 3339)", () => {
    const token = fake('kube');
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token, expirationTimestamp: '2026-12-05T22:10:00Z' },
    };
    assert.deepEqual(readCommandOutput(JSON.stringify(credential)), {
      accessToken: token,
      expiry: { atMs: at('2026-12-05T22:10:00Z') },
      expiryField: 'status.expirationTimestamp',
    });
  });

  it('token with expires_at, expiration or expirationTimestamp', () => {
    const token = fake('plain');
    const read = (extra: object) => readCommandOutput(JSON.stringify({ token, ...extra }));
    assert.deepEqual(read({ expires_at: 1_796_508_600 }).expiry, { atMs: 1_796_508_600_000 });
    assert.deepEqual(read({ expiration: '2026-12-05T23:10:00+01:00' }).expiry, {
      atMs: at('2026-12-05T22:10:00Z'),
    });
    assert.deepEqual(read({ expirationTimestamp: '2026-12-05T22:10:00.123456789Z' }).expiry, {
      atMs: at('2026-12-05T22:10:00.123Z'),
    });
  });

  it('takes the first well-known token field: access_token before accessToken before token', () => {
    const first = fake('first');
    const out = readCommandOutput(
      JSON.stringify({ token: fake('third'), accessToken: fake('second'), access_token: first }),
    );
    assert.equal(out.accessToken, first);
  });

  it('a null expiry is no expiry (some CLIs print null for "unknown")', () => {
    const token = fake('nullexp');
    assert.deepEqual(readCommandOutput(JSON.stringify({ access_token: token, expires_in: null })), {
      accessToken: token,
    });
  });

  it('az\'s "N/A" (older versions, for a managed identity) is no expiry, not an error', () => {
    const token = fake('msi');
    assert.deepEqual(readCommandOutput(JSON.stringify({ accessToken: token, expiresOn: 'N/A' })), {
      accessToken: token,
    });
    // ...but a later field that does say still counts.
    const both = readCommandOutput(
      JSON.stringify({ accessToken: token, expires_on: '', expiresOn: '2026-12-05T22:10:00Z' }),
    );
    assert.deepEqual(both.expiry, { atMs: at('2026-12-05T22:10:00Z') });
  });

  it('says which fields it looked in when there is no token, and how to name another', () => {
    refused(
      () => readCommandOutput(JSON.stringify({ data: { secret: fake('x') } })),
      'the output',
      /access_token, accessToken, token, status\.token.*"tokenField"/,
    );
  });

  it('refuses JSON that is not an object, and broken JSON, never quoting it', () => {
    const secret = fake('broken');
    refused(
      () => readCommandOutput(`{"access_token": "${secret}"`),
      'the output',
      /not JSON \(\d+ characters\)/,
      secret,
    );
  });
});

describe('readCommandOutput: tokenField and expiryField', () => {
  it('reads dotted paths the definition names', () => {
    const token = fake('vault');
    const printed = { auth: { client_token: token, lease: { ends: '2026-12-05T22:10:00Z' } } };
    assert.deepEqual(
      readCommandOutput(JSON.stringify(printed), {
        tokenField: 'auth.client_token',
        expiryField: 'auth.lease.ends',
      }),
      { accessToken: token, expiry: { atMs: at('2026-12-05T22:10:00Z') }, expiryField: 'auth.lease.ends' },
    );
  });

  it('a named field replaces the well-known ones, and a missing one is an error naming the path', () => {
    const token = fake('named');
    refused(
      () => readCommandOutput(JSON.stringify({ access_token: token }), { tokenField: 'data.token' }),
      'data.token',
      /is missing/,
      token,
    );
    refused(
      () =>
        readCommandOutput(JSON.stringify({ access_token: token, expires_in: 60 }), {
          expiryField: 'data.exp',
        }),
      'data.exp',
      /is missing/,
      token,
    );
  });

  it('never walks into inherited properties', () => {
    refused(
      () => readCommandOutput(JSON.stringify({ a: {} }), { tokenField: 'a.toString' }),
      'a.toString',
      /is missing/,
    );
  });

  it('refuses a token field that is not a non-empty string of one word, naming the field, not the value', () => {
    refused(
      () => readCommandOutput(JSON.stringify({ access_token: 42 })),
      'access_token',
      /is a number, not a string/,
    );
    refused(() => readCommandOutput(JSON.stringify({ accessToken: '' })), 'accessToken', /is empty/);
    const secret = fake('spaced');
    refused(
      () => readCommandOutput(JSON.stringify({ status: { token: `Bearer ${secret}` } })),
      'status.token',
      /whitespace/,
      secret,
    );
  });
});

describe('readCommandOutput: numbers, seconds or milliseconds', () => {
  const token = fake('num');
  const expiryOf = (field: string, value: unknown): CommandOutput['expiry'] =>
    readCommandOutput(JSON.stringify({ access_token: token, [field]: value })).expiry;

  it('an absolute field: epoch seconds from 10^9, epoch milliseconds from 10^11', () => {
    assert.deepEqual(expiryOf('expires_on', epochSecondsFrom), { atMs: epochSecondsFrom * 1000 });
    assert.deepEqual(expiryOf('expires_on', 1_796_508_600), { atMs: 1_796_508_600_000 });
    assert.deepEqual(expiryOf('expires_on', 1_796_508_600.5), { atMs: 1_796_508_600_500 });
    assert.deepEqual(expiryOf('expires_at', 1_796_508_600_000), { atMs: 1_796_508_600_000 });
    assert.deepEqual(expiryOf('expires_at', epochMillisecondsFrom), { atMs: epochMillisecondsFrom });
    assert.deepEqual(expiryOf('expiration', '1796508600000'), { atMs: 1_796_508_600_000 });
  });

  it('a number below 10^9 in any field is a lifetime in seconds (no token lives 31 years)', () => {
    assert.deepEqual(expiryOf('expires_on', 3600), { inSeconds: 3600 });
    assert.deepEqual(expiryOf('expiration', epochSecondsFrom - 1), { inSeconds: epochSecondsFrom - 1 });
  });

  it('expires_in is always a lifetime, however large', () => {
    assert.deepEqual(expiryOf('expires_in', 1_796_508_600), { inSeconds: 1_796_508_600 });
  });

  it('refuses negative numbers, text in expires_in, and other shapes, naming the field', () => {
    refused(() => expiryOf('expires_in', -5), 'expires_in', /negative/, token);
    refused(() => expiryOf('expires_on', '-1796508600'), 'expires_on', /negative/, token);
    refused(() => expiryOf('expires_in', 'soon'), 'expires_in', /not a number of seconds/, token);
    refused(
      () => expiryOf('expiresOn', 'next tuesday'),
      'expiresOn',
      /not a date or a number \(12 characters\)/,
      token,
    );
    refused(() => expiryOf('expiration', true), 'expiration', /a boolean, not a time/, token);
    refused(() => expiryOf('expiration', { at: 1 }), 'expiration', /an object, not a time/, token);
  });
});

describe('parseDate: with and without a zone', () => {
  let savedTz: string | undefined;
  before(() => {
    savedTz = process.env.TZ;
    // A zone with an offset and daylight saving, so that "local" cannot pass by being UTC.
    process.env.TZ = 'America/New_York';
  });
  after(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('reads a zone-less date as local time (az expiresOn)', () => {
    // 22:10 in New York in December is 03:10 UTC the next day (EST, UTC-5).
    assert.equal(parseDate('2026-12-05 22:10:00.000000'), at('2026-12-06T03:10:00Z'));
    // In July it is EDT, UTC-4.
    assert.equal(parseDate('2026-07-05 22:10:00'), at('2026-07-06T02:10:00Z'));
    assert.equal(parseDate('2026-12-05T22:10'), at('2026-12-06T03:10:00Z'));
  });

  it('reads a zone where there is one, whatever the local zone', () => {
    assert.equal(parseDate('2026-12-05T22:10:00Z'), at('2026-12-05T22:10:00Z'));
    assert.equal(parseDate('2026-12-05 22:10:00 UTC'), at('2026-12-05T22:10:00Z'));
    assert.equal(parseDate('2026-12-05T22:10:00-0800'), at('2026-12-06T06:10:00Z'));
    assert.equal(parseDate('2026-12-05T22:10:00+05:30'), at('2026-12-05T16:40:00Z'));
    assert.equal(parseDate('Sat, 05 Dec 2026 22:10:00 GMT'), at('2026-12-05T22:10:00Z'));
  });

  it('cuts microseconds and nanoseconds to milliseconds', () => {
    assert.equal(parseDate('2026-12-05T22:10:00.987654Z'), at('2026-12-05T22:10:00.987Z'));
    assert.equal(parseDate('2026-12-05T22:10:00.5Z'), at('2026-12-05T22:10:00.500Z'));
  });

  it('refuses impossible dates and zone-less shapes it would have to guess at', () => {
    assert.equal(parseDate('2026-02-30T10:00:00Z'), undefined);
    assert.equal(parseDate('2026-13-01 10:00:00'), undefined);
    assert.equal(parseDate('2026-12-05 24:00:00'), undefined);
    assert.equal(parseDate('12/05/2026 10:00'), undefined);
    assert.equal(parseDate('tomorrow'), undefined);
  });
});
