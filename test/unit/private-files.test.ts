// #16 item 2: every file the agent writes is created O_EXCL | O_NOFOLLOW, 0600, in a folder of its own
// (ensurePrivateFolder). A symlink planted where each writer writes — lock file, file store, budget
// and other atomically replaced files, config edits, `run --file` sinks, the audit log, the data
// folder itself — is refused with a coded error, and the file it points to is left as it was.
import assert from 'node:assert/strict';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeAtomically } from '../../agent/base/atomicFile';
import { codes, isTokenAgentError } from '../../agent/base/errors';
import { createPrivateFile, ensurePrivateFolder } from '../../agent/base/privateFolder';
import { writeConfigAtomically } from '../../agent/config/configIo';
import { createTokenFolder } from '../../agent/run/tokenFolder';
import { appendAudit, auditFileName, parseAudit, readAudit } from '../../agent/store/auditLog';
import { FileStore, secretsFileName } from '../../agent/store/fileStore';
import { acquireLock } from '../../agent/store/lockFile';

const rejectsWith = (code: string) => (error: unknown) => {
  assert.ok(isTokenAgentError(error), `a coded error, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return true;
};

describe('files the agent writes, with a symlink planted in the way', () => {
  let root: string;
  let target: string;
  const original = 'a file of the user that a planted link points at\n';

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-private-'));
    target = join(root, 'target.txt');
    await writeFile(target, original, { mode: 0o644 });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function untouched(): Promise<void> {
    assert.equal(await readFile(target, 'utf8'), original, 'the target keeps its content');
    assert.equal((await stat(target)).mode & 0o777, 0o644, 'and its mode');
  }

  async function plant(path: string): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    await symlink(target, path);
  }

  it('a lock file: ERR_UNSAFE_PATH at once, not a lock held for ever', async () => {
    const path = join(root, 'locks', 'api.lock');
    await plant(path);
    await assert.rejects(acquireLock({ path, timeoutMs: 60_000 }), rejectsWith(codes.unsafePath));
    assert.ok((await lstat(path)).isSymbolicLink(), 'the link is left for the user to see');
    await untouched();
  });

  it('a temp file of an atomic write (createPrivateFile): ERR_UNSAFE_PATH', async () => {
    const path = join(root, 'data', '.budget.json.tmp');
    await plant(path);
    await assert.rejects(createPrivateFile(path), rejectsWith(codes.unsafePath));
    await untouched();
  });

  it('an atomically replaced file (budget, team marks, run --file sinks): ERR_UNSAFE_PATH, no temp file left', async () => {
    const dir = join(root, 'data');
    const path = join(dir, 'budget.json');
    await plant(path);
    await assert.rejects(writeAtomically(path, '{}\n'), rejectsWith(codes.unsafePath));
    assert.deepEqual(await readdir(dir), ['budget.json'], 'no temp file left behind');
    await untouched();
  });

  it('the file store: secrets.json as a link is refused with a coded error', async () => {
    const dataDir = join(root, 'data');
    await plant(join(dataDir, secretsFileName));
    const store = new FileStore({ dataDir });
    await assert.rejects(
      store.set('api', 'refresh_token', 'fake-refresh-value'),
      rejectsWith(codes.storeUnavailable),
    );
    await untouched();
  });

  it('the file store in a data folder that is itself a link: ERR_UNSAFE_PATH', async () => {
    const elsewhere = join(root, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await symlink(elsewhere, join(root, 'data'));
    const store = new FileStore({ dataDir: join(root, 'data') });
    await assert.rejects(
      store.set('api', 'refresh_token', 'fake-refresh-value'),
      rejectsWith(codes.unsafePath),
    );
    assert.deepEqual(await readdir(elsewhere), [], 'nothing written where the link points');
  });

  it('a config edit: the config file as a link is refused, its target untouched', async () => {
    const path = join(root, 'config', 'config.json');
    await plant(path);
    await assert.rejects(writeConfigAtomically(path, '{"tokens":[]}\n'), rejectsWith(codes.configInvalid));
    await untouched();
  });

  it('a run --file sink planted as a link in the token folder: ERR_UNSAFE_PATH', async () => {
    const folder = await createTokenFolder({});
    try {
      await symlink(target, join(folder.path, 'token'));
      await assert.rejects(folder.write('token', 'fake-access-value'), rejectsWith(codes.unsafePath));
      await untouched();
    } finally {
      await folder.remove();
    }
  });

  it('the audit log: audit.jsonl as a link is ERR_UNSAFE_PATH for the writer and the reader', async () => {
    const dataDir = join(root, 'data');
    await plant(join(dataDir, auditFileName));
    await assert.rejects(
      appendAudit(dataDir, { token: 'api', outcome: 'refreshed' }),
      rejectsWith(codes.unsafePath),
    );
    await assert.rejects(readAudit(dataDir), rejectsWith(codes.unsafePath));
    await untouched();
  });
});

describe('ensurePrivateFolder', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'token-agent-folder-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('makes the folder and its parents 0700', async () => {
    const dir = join(root, 'a', 'b');
    await ensurePrivateFolder(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('narrows a folder of ours that others could read or write back to 0700', async () => {
    const dir = join(root, 'wide');
    await mkdir(dir);
    await chmod(dir, 0o777);
    await ensurePrivateFolder(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('refuses a folder that is a symlink, or a file, with ERR_UNSAFE_PATH saying how to fix it', async () => {
    await mkdir(join(root, 'real'), { mode: 0o700 });
    await symlink(join(root, 'real'), join(root, 'link'));
    await writeFile(join(root, 'file'), '');
    await assert.rejects(ensurePrivateFolder(join(root, 'link')), (error: unknown) => {
      rejectsWith(codes.unsafePath)(error);
      assert.match((error as Error).message, /is a symlink; remove it/);
      return true;
    });
    await assert.rejects(ensurePrivateFolder(join(root, 'file')), rejectsWith(codes.unsafePath));
  });

  it("refuses another user's folder", {
    skip: process.getuid?.() !== 0 && 'needs root to chown',
  }, async () => {
    const dir = join(root, 'theirs');
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, 4_242, 4_242);
    await assert.rejects(ensurePrivateFolder(dir), (error: unknown) => {
      rejectsWith(codes.unsafePath)(error);
      assert.match((error as Error).message, /belongs to user id 4242/);
      return true;
    });
  });
});

describe('reading the audit log', () => {
  it('skips lines that are not records and counts them', () => {
    const good = (token: string) =>
      JSON.stringify({ time: '2030-01-01T00:00:00.000Z', token, outcome: 'refreshed', pid: 1, host: 'h' });
    const text = [
      good('one'),
      '{"time":"2030-01-01T00:00:00Z","tok\u0000\u00ff',
      'not json at all',
      '[1,2,3]',
      JSON.stringify({ time: 'x', token: 'api', outcome: 'exploded' }),
      '',
      good('two'),
      '',
    ].join('\n');
    const { records, skipped } = parseAudit(text);
    assert.deepEqual(
      records.map((record) => record.token),
      ['one', 'two'],
    );
    assert.equal(skipped, 4);
  });

  it('reads what appendAudit wrote after a torn line, counting the torn one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'token-agent-audit-read-'));
    try {
      await writeFile(join(dataDir, auditFileName), '{"time":"2030-01-01', { mode: 0o600 });
      await appendAudit(dataDir, { token: 'api', outcome: 'refreshed' });
      const { records, skipped } = await readAudit(dataDir);
      assert.deepEqual(
        records.map((record) => record.token),
        ['api'],
      );
      assert.equal(skipped, 1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
