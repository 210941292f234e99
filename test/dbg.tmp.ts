import { scanText } from '../agent/lint/scanner';
import { buildCorpus } from '../test/support/secretCorpus';
const now = Date.parse('2025-06-01T00:00:00Z');
const docs = buildCorpus({ seed: 20250601, positivesPerRule: 100, decoysPerRule: 60 });
const want = new Set(process.argv.slice(2));
for (const d of docs) {
  const f = scanText(d.text, { path: d.path, now });
  for (const x of f) {
    const ok = d.labels.some((l) => l.rule === x.rule && l.start < x.end && x.start < l.end);
    if (!ok && want.has(x.rule)) {
      const ls = d.text.lastIndexOf('\n', x.start) + 1; const le = d.text.indexOf('\n', x.end);
      const lab = d.labels.find((l) => l.start < x.end && x.start < l.end);
      console.log('FP', x.rule, 'label:', lab?.rule, '|', d.text.slice(Math.max(0,ls-300), Math.min(le, ls + 160)));
    }
  }
  for (const l of d.labels) {
    if (!want.has(l.rule)) continue;
    if (!f.some((x) => x.rule === l.rule && l.start < x.end && x.start < l.end)) {
      const ov = f.filter((x) => l.start < x.end && x.start < l.end).map((x) => x.rule);
      console.log('MISS', l.rule, 'got:', ov.join(','), '|', d.text.slice(l.start - 40, l.end + 10).replace(/\n/g, '\\n').slice(0, 200));
    }
  }
}
