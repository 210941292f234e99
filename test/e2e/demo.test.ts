// Keeps the README's first quick-start command true: `npm run demo` brings up the token server, the
// keyring, code-server with the extension, and an agent that holds a fresh demo token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { freePort } from '../support/codeServer';

describe('npm run demo', { timeout: 300_000 }, () => {
  it('starts everything and serves a fresh demo token (--smoke)', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/demo.ts', '--smoke', '--port', String(port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    assert.equal(code, 0, output);
    assert.match(output, /terminal line works/);
    assert.match(output, new RegExp(`demo ready at http://127\\.0\\.0\\.1:${port}/\\?folder=`));
  });
});
