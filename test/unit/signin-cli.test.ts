// The pure parts of `token-agent login`: which opener each platform gets, and what the last lines say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeResult } from '../../agent/cli/login';
import { browserOpener } from '../../agent/cli/openBrowser';

const url = 'https://idp.example/authorize?client_id=cli&state=s&scope=a+b';

describe('browserOpener', () => {
  it("uses each platform's own opener, with the URL as one argument and no shell", () => {
    assert.deepEqual(browserOpener(url, 'darwin', {}), { command: 'open', args: [url] });
    assert.deepEqual(browserOpener(url, 'win32', {}), {
      command: 'rundll32',
      args: ['url.dll,FileProtocolHandler', url],
    });
    assert.deepEqual(browserOpener(url, 'linux', { DISPLAY: ':0' }), { command: 'xdg-open', args: [url] });
    assert.deepEqual(browserOpener(url, 'freebsd', { WAYLAND_DISPLAY: 'wayland-0' }), {
      command: 'xdg-open',
      args: [url],
    });
  });

  it('opens nothing without a display, or for anything but a web URL', () => {
    assert.equal(browserOpener(url, 'linux', {}), undefined);
    assert.equal(browserOpener('file:///etc/passwd', 'darwin', {}), undefined);
    assert.equal(browserOpener('javascript:alert(1)', 'win32', {}), undefined);
  });
});

describe('describeResult', () => {
  const base = { name: 'api', tier: 'keychain' as const, plaintext: false, accessTokenPreview: 'eyJhbGci…' };

  it('names the token, a masked preview and the store', () => {
    assert.equal(
      describeResult(base),
      "Signed in to 'api' (eyJhbGci…); the refresh token is in the keychain store.\n",
    );
    assert.match(
      describeResult({ ...base, tier: 'file', plaintext: true }),
      /in the file store, in clear text\./,
    );
  });

  it('says whether the signature was verified, and why not', () => {
    assert.match(
      describeResult({ ...base, verification: { verified: true, algorithm: 'ES256' } }),
      /checks out against the issuer's published keys \(ES256\)/,
    );
    assert.match(
      describeResult({
        ...base,
        verification: { verified: false, code: 'opaque', reason: 'the access token is opaque (not a JWT)' },
      }),
      /was not verified: the access token is opaque \(not a JWT\)\.$/m,
    );
  });
});
