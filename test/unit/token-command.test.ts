// A token command is bounded (#16 item 4): SIGTERM at its timeout, SIGKILL shortly after for one that
// ignores it, its whole process group included; real processes, no fakes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTokenCommand } from '../../agent/engine/tokenCommand';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('token commands', () => {
  it('reads the token a command prints', async () => {
    const token = `fake-${Date.now()}`;
    assert.deepEqual(await runTokenCommand([process.execPath, '-e', `console.log('${token}')`], 5_000), {
      accessToken: token,
    });
  });

  it('kills a command that ignores SIGTERM, and what it started, and says it timed out', async () => {
    // The grandchild's pid comes back through a file: the command's output is lost with the timeout.
    const script = `
      process.on('SIGTERM', () => {});
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(process.env.PID_FILE, String(grandchild.pid));
      setInterval(() => {}, 1000);
    `;
    const pidFile = join(tmpdir(), `token-agent-cmd-${process.pid}-${Date.now()}`);
    process.env.PID_FILE = pidFile;
    try {
      await assert.rejects(runTokenCommand([process.execPath, '-e', script], 500), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'ERR_COMMAND_FAILED');
        assert.match(error.message, /timed out after 0.5s/);
        return true;
      });
      const grandchild = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(grandchild > 0);
      // SIGKILL went to the group: the grandchild is gone too (reaped by init shortly after).
      for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(grandchild), false, 'the grandchild was killed with the group');
    } finally {
      delete process.env.PID_FILE;
      rmSync(pidFile, { force: true });
    }
  });

  it('says what failed, redacted, for a command that exits non-zero', async () => {
    const planted = `planted-${Date.now()}`;
    await assert.rejects(
      runTokenCommand(
        [process.execPath, '-e', `console.error('curl ?client_secret=${planted}'); process.exit(3)`],
        5_000,
      ),
      (error: Error) => {
        assert.match(error.message, /failed \(/);
        assert.ok(!error.message.includes(planted), error.message);
        return true;
      },
    );
  });
});
