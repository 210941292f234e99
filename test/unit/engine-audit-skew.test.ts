// A refresh that proves the token server's clock is off records the skew in its audit line: the
// timeline's clock-skew warning is read from there, since the drift is only known at that refresh.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditFileName } from '../../agent/store/auditLog';
import { parseAuditLines } from '../../agent/store/auditTimeline';
import { fakeJwt } from '../support/fakeTokens';
import { type Rig, rig, rigsInTempDir } from './engine-harness';

const { dataDir, rigs } = rigsInTempDir();

async function made(name: string): Promise<Rig> {
  const one = await rig(join(dataDir.dir, name));
  rigs.push(one);
  return one;
}

const auditRows = async (one: string) =>
  parseAuditLines(await readFile(join(dataDir.dir, one, auditFileName), 'utf8')).rows;

describe('the audit line of a refresh', () => {
  it('carries the measured skew when the token was issued by a clock a minute ahead of ours', async () => {
    const { engine, idp, clock } = await made('ahead');
    // A JWT issued 60 s in our future: the server's clock is at least that far ahead.
    idp.reshapes.push((body) => ({
      ...body,
      access_token: fakeJwt({
        sub: 'skew',
        iat: Math.floor(clock.now() / 1000) + 60,
        exp: Math.floor(clock.now() / 1000) + 3_660,
      }),
    }));
    await engine.get('api');
    const rows = await auditRows('ahead');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.outcome, 'refreshed');
    assert.ok((rows[0]?.skewMs ?? 0) >= 59_000 && (rows[0]?.skewMs ?? 0) <= 60_000, String(rows[0]?.skewMs));
  });

  it('carries no skew when the clocks agree', async () => {
    const { engine } = await made('agree');
    await engine.get('api');
    const rows = await auditRows('agree');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.skewMs, undefined);
  });
});
