// The streamed report of `token-agent scan` (#13 item 8): an envelope written head, items, tail is
// byte for byte what JSON.stringify prints for the whole, and the sink waits for a full stdout.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { OutputSink, StreamedArray, streamedItems } from '../../agent/cli/scanSink';

function collect(): { sink: OutputSink; text: () => string } {
  let out = '';
  const sink = new OutputSink({ write: (s: string) => (out += s) });
  return { sink, text: () => out };
}

describe('the streamed report', () => {
  const items = [{ a: 1, b: 'x\ny' }, { a: 2, nested: { c: [1, 2] } }, { a: 3 }];
  const cases: [string, (list: unknown) => object, (list: unknown) => object][] = [
    [
      'top-level array first',
      (l) => ({ findings: l, skipped: [] }),
      (l) => ({ findings: l, skipped: ['s'] }),
    ],
    [
      'array deep in a run, before what the end knows',
      (l) => ({ v: 1, runs: [{ tool: { rules: [{ id: 'r' }] }, results: l, invocations: [] }] }),
      (l) => ({ v: 1, runs: [{ tool: { rules: [{ id: 'r' }] }, results: l, invocations: [{ n: 2 }] }] }),
    ],
  ];
  for (const [name, start, complete] of cases)
    for (const count of [0, 1, 3])
      it(`prints exactly JSON.stringify(…, null, 2) (${name}, ${count} items)`, async () => {
        const { sink, text } = collect();
        const array = new StreamedArray(sink, start(streamedItems));
        for (const item of items.slice(0, count)) array.item(item);
        array.end(complete(streamedItems));
        await sink.end();
        assert.equal(text(), `${JSON.stringify(complete(items.slice(0, count)), null, 2)}\n`);
        assert.equal(array.count, count);
      });

  it('writes in chunks, and waits for a full target to drain before going on', async () => {
    const target = new EventEmitter() as EventEmitter & { write(s: string): boolean; writes: string[] };
    target.writes = [];
    target.write = (s: string) => {
      target.writes.push(s);
      return false; // Full after every write, like a pipe nobody reads yet.
    };
    const sink = new OutputSink(target);
    sink.write('x'.repeat(100));
    assert.equal(target.writes.length, 0, 'small writes are gathered into a chunk');
    sink.write('y'.repeat(64 * 1024));
    assert.equal(target.writes.length, 1);
    assert.equal(sink.pressured, true);
    let settled = false;
    const waiting = sink.settle().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'settle() waits while the target is full');
    target.emit('drain');
    await waiting;
    assert.equal(settled, true);
    assert.equal(target.listenerCount('drain') + target.listenerCount('close'), 0, 'no listener left behind');
    // end() writes what is left; a reader that goes away (close) ends the wait as drain would.
    sink.write('z');
    const ending = sink.end();
    assert.equal(target.writes.at(-1), 'z');
    target.emit('close');
    await ending;
  });
});
