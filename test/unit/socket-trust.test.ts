// A client trusts the agent's socket only in a folder no other user could have put it in (#16 item 1):
// checked against real folders, a real socket and a symlink.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkSocketTrust, folderProblem } from '../../agent/base/privateFolder';

describe('trusting the agent socket', () => {
  let root: string;
  let server: Server;
  let socket: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'token-agent-trust-'));
    mkdirSync(join(root, 'own'), { mode: 0o700 });
    socket = join(root, 'own', 'agent.sock');
    server = createServer();
    await new Promise<void>((done) => server.listen(socket, done));
  });
  after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const refusal = (path: string) => {
    try {
      checkSocketTrust(path, 'linux');
      return undefined;
    } catch (error) {
      return error as { code: string; message: string };
    }
  };

  it('trusts a socket in a 0700 folder of ours, and a socket not there yet', () => {
    assert.equal(refusal(socket), undefined);
    assert.equal(refusal(join(root, 'own', 'missing.sock')), undefined);
    assert.equal(refusal(join(root, 'nowhere', 'agent.sock')), undefined);
  });

  it('refuses a folder others can write, saying to chmod it', () => {
    chmodSync(join(root, 'own'), 0o777);
    try {
      const error = refusal(socket);
      assert.equal(error?.code, 'ERR_UNSAFE_PATH');
      assert.match(error?.message ?? '', /chmod 700/);
    } finally {
      chmodSync(join(root, 'own'), 0o700);
    }
  });

  it('refuses a folder that is a symlink, and a socket path that is not a socket', () => {
    symlinkSync(join(root, 'own'), join(root, 'link'));
    assert.match(refusal(join(root, 'link', 'agent.sock'))?.message ?? '', /symlink/);
    writeFileSync(join(root, 'own', 'plain'), '');
    assert.match(refusal(join(root, 'own', 'plain'))?.message ?? '', /not a socket/);
  });

  it("refuses another user's folder (by its owner id)", () => {
    const stats = {
      uid: 4242,
      mode: 0o40700,
      isDirectory: () => true,
      isSymbolicLink: () => false,
      isSocket: () => false,
    };
    assert.match(folderProblem('/run/x', stats, 1000) ?? '', /belongs to user id 4242/);
    assert.equal(folderProblem('/run/x', { ...stats, uid: 1000 }, 1000), undefined);
  });
});
