// Never start what cannot be finished (#16 item 3): each check before a refresh, with its failure
// injected, and the engine sending nothing while one fails.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { checkBeforeSending, checkDataDir } from '../../agent/engine/preflight';
import { rig, rigsInTempDir, TestStore } from './engine-harness';

const errno = (code: string) => Object.assign(new Error(`${code}: refused, open '/x'`), { code });
const held = async () => true;

describe('checkDataDir', () => {
  const cases = [
    { code: 'EROFS', fix: /read-only file system: remount it read-write/ },
    { code: 'EPERM', fix: /chattr -i \/data\/token-agent/ },
    { code: 'EACCES', fix: /chmod u\+rwx \/data\/token-agent/ },
    { code: 'ENOSPC', fix: /free some space/ },
    { code: 'EEXIST', fix: /Make it a writable folder of your own/ },
  ];
  for (const { code, fix } of cases) {
    it(`${code}: ERR_DATA_DIR_UNWRITABLE naming the folder, the errno and the fix`, async () => {
      const error = await checkDataDir('api', '/data/token-agent', async () => {
        throw errno(code);
      }).catch((caught: unknown) => caught);
      assert.ok(error instanceof TokenAgentError);
      assert.equal(error.code, codes.dataDirUnwritable);
      assert.match(
        error.message,
        new RegExp(`^The data folder /data/token-agent cannot be written \\(${code}\\)`),
      );
      assert.match(error.message, /'api' was not refreshed, so its refresh token is still good/);
      assert.match(error.message, fix);
    });
  }

  it('passes a folder that takes the write', async () => {
    await checkDataDir('api', '/data/token-agent', async () => undefined);
  });
});

describe('checkBeforeSending', () => {
  it('a lock taken over by another process: ERR_LOCK_TIMEOUT, and the store is not asked', async () => {
    let asked = 0;
    const store = async () => {
      asked += 1;
    };
    for (const lockHeld of [async () => false, async () => Promise.reject(errno('ENOENT'))]) {
      await assert.rejects(checkBeforeSending('api', { lockHeld, store }, { keptRefreshToken: false }), {
        code: codes.lockTimeout,
        message: /took over its refresh lock.*nothing was sent/,
      });
    }
    assert.equal(asked, 0);
  });

  it("a locked keyring: the store's own code, saying nothing was spent and how to fix it", async () => {
    const store = async () => {
      throw new TokenAgentError(codes.storeLocked, 'The keyring is locked. Unlock the login keyring.');
    };
    await assert.rejects(checkBeforeSending('api', { lockHeld: held, store }, { keptRefreshToken: false }), {
      code: codes.storeLocked,
      message:
        /^Token 'api' was not refreshed, so its refresh token is still good: .*Unlock the login keyring\.$/,
    });
  });

  it('an uncoded store failure is ERR_STORE_UNAVAILABLE', async () => {
    const store = async () => {
      throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
    };
    await assert.rejects(checkBeforeSending('api', { lockHeld: held, store }, { keptRefreshToken: false }), {
      code: codes.storeUnavailable,
      message: /ServiceUnknown/,
    });
  });

  it('a kept refresh token goes out whatever the store says: it is the live one', async () => {
    let asked = 0;
    const store = async () => {
      asked += 1;
      throw new TokenAgentError(codes.storeLocked, 'locked');
    };
    await checkBeforeSending('api', { lockHeld: held, store }, { keptRefreshToken: true });
    assert.equal(asked, 0);
  });
});

/** A test store whose probe fails like a locked keyring until `locked` is cleared. */
class ProbedStore extends TestStore {
  locked = true;
  probes = 0;
  async probe(): Promise<void> {
    this.probes += 1;
    if (this.locked) throw new TokenAgentError(codes.storeLocked, 'The keyring is locked (test).');
  }
}

describe('the engine before a refresh', () => {
  const { dataDir, rigs } = rigsInTempDir();

  it('with the store unable to take the answer: no request, the coded error, and the grant intact', async () => {
    const store = new ProbedStore();
    const made = await rig(join(dataDir.dir, 'locked'), { store });
    rigs.push(made);
    const { engine, idp } = made;
    const stored = await store.inner.get('api', 'refresh_token');
    await assert.rejects(engine.get('api'), { code: codes.storeLocked, message: /not refreshed/ });
    assert.equal(idp.calls, 0, 'nothing was sent');
    assert.equal(engine.state('api').lastError?.code, codes.storeLocked);
    assert.equal(await store.inner.get('api', 'refresh_token'), stored);

    store.locked = false;
    const token = await engine.get('api');
    assert.match(token.accessToken, /^at-/);
    assert.equal(idp.calls, 1);
    assert.equal(idp.reuse, 0);
    assert.notEqual(await store.inner.get('api', 'refresh_token'), stored, 'the rotated one was stored');
  });

  it('with the data folder not a folder: ERR_DATA_DIR_UNWRITABLE and no request', async () => {
    const path = join(dataDir.dir, 'not-a-folder');
    await writeFile(path, '');
    const made = await rig(path);
    rigs.push(made);
    await assert.rejects(made.engine.get('api'), { code: codes.dataDirUnwritable });
    assert.equal(made.idp.calls, 0);
  });
});
