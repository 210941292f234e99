// `run` masks every token value it handed out in the child's output, wherever the chunks split it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mask } from '../../agent/base/redact';
import { MaskSet, StreamMasker } from '../../agent/run/masker';

// Obviously fake, built at run time.
const fakeToken = (tag: string) => `eyJfake${tag}.${'p'.repeat(40)}${tag}.${'s'.repeat(20)}`;

/** Feeds `text` to a masker in chunks cut at `cuts` (byte offsets); what comes out. */
function run(set: MaskSet, text: string | Buffer, cuts: number[]): string {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const masker = new StreamMasker(set);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(masker.push(bytes.subarray(from, cut)));
    from = cut;
  }
  out.push(masker.end());
  return Buffer.concat(out).toString();
}

describe('the streaming masker', () => {
  const token = fakeToken('A');
  const set = new MaskSet();
  set.add(token);
  const text = `Authorization: Bearer ${token}\nagain: ${token}!\n`;
  const expected = `Authorization: Bearer ${mask(token)}\nagain: ${mask(token)}!\n`;

  it('masks a token whole in one chunk', () => {
    assert.equal(run(set, text, []), expected);
  });

  it('masks a token split across two chunks at every possible byte', () => {
    for (let cut = 1; cut < text.length; cut++)
      assert.equal(run(set, text, [cut]), expected, `cut at ${cut}`);
  });

  it('masks a token arriving one byte at a time', () => {
    const cuts = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    assert.equal(run(set, text, cuts), expected);
  });

  it('holds back at most the token length minus one byte, and only what could start a token', () => {
    const masker = new StreamMasker(set);
    assert.equal(
      masker.push(Buffer.from('plain text with no token start')).toString(),
      'plain text with no token start',
    );
    assert.equal(masker.held, 0);
    const start = token.slice(0, token.length - 1);
    assert.equal(masker.push(Buffer.from(`x ${start}`)).toString(), 'x ');
    assert.equal(masker.held, token.length - 1);
    // The last byte differs: not a token after all, and all of it comes out.
    assert.equal(masker.push(Buffer.from('Z')).toString(), `${start}Z`);
    assert.equal(masker.held, 0);
  });

  it('lets a held start of a token out at the end of the stream', () => {
    assert.equal(run(set, 'ends with eyJfa', []), 'ends with eyJfa');
  });

  it('masks previous tokens and new ones added while streaming', () => {
    const shared = new MaskSet();
    const first = fakeToken('B');
    const second = fakeToken('CC');
    shared.add(first);
    const masker = new StreamMasker(shared);
    const out = [masker.push(Buffer.from(`old ${first.slice(0, 10)}`))];
    shared.add(second);
    out.push(masker.push(Buffer.from(`${first.slice(10)} new ${second}`)), masker.end());
    assert.equal(Buffer.concat(out).toString(), `old ${mask(first)} new ${mask(second)}`);
  });

  it('prefers the longer of two tokens that start alike', () => {
    const shared = new MaskSet();
    const long = fakeToken('D');
    const short = long.slice(0, 30);
    shared.add(short);
    shared.add(long);
    for (let cut = 1; cut < long.length; cut++)
      assert.equal(run(shared, `[${long}]`, [cut]), `[${mask(long)}]`);
    assert.equal(run(shared, `[${short}]`, [5]), `[${mask(short)}]`);
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const bytes = Buffer.from(`née → ${token} ✓`);
    for (let cut = 1; cut < bytes.length; cut++)
      assert.equal(run(set, bytes, [cut]), `née → ${mask(token)} ✓`, `cut at ${cut}`);
  });

  it('passes everything through when no token was handed out', () => {
    assert.equal(run(new MaskSet(), 'eyJ anything', [2]), 'eyJ anything');
  });
});
