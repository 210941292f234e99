// A sign-in address a web editor would send through its own proxy is never opened (#14 item 3): the
// device flow's verification page and the browser flow's authorization URL both fail behind it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWebProxyAddress } from '../../extension/webProxy';

describe('isWebProxyAddress', () => {
  it("recognises code-server's /proxy/PORT/ and /absproxy/PORT/ for the address's own port", () => {
    assert.equal(
      isWebProxyAddress('http://127.0.0.1:4000/device', 'http://127.0.0.1:8080/proxy/4000/device'),
      true,
    );
    assert.equal(
      isWebProxyAddress('http://localhost:4000/device', 'https://cs.example.com/absproxy/4000/'),
      true,
    );
    assert.equal(
      isWebProxyAddress('http://localhost/device', 'https://cs.example.com/proxy/80/device'),
      true,
    );
  });

  it('opens the provider as it is: unchanged, forwarded to another port, or another port proxied', () => {
    // A provider on its own host (the demo's 127.0.0.2) is answered unchanged.
    assert.equal(isWebProxyAddress('http://127.0.0.2:4000/device', 'http://127.0.0.2:4000/device'), false);
    // Remote-SSH, WSL and containers forward the port: a different address that works.
    assert.equal(isWebProxyAddress('http://localhost:4000/device', 'http://localhost:53211/device'), false);
    assert.equal(
      isWebProxyAddress('http://localhost:4000/device', 'http://127.0.0.1:8080/proxy/4001/device'),
      false,
    );
    assert.equal(
      isWebProxyAddress('https://login.example.com/device', 'https://login.example.com/device?x=1'),
      false,
    );
  });
});
