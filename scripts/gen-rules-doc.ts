// Writes docs/rules.md from the rules themselves, so the documentation cannot drift from the code
// (test/unit/lint-docs.test.ts fails when the file is stale). Run: npx tsx scripts/gen-rules-doc.ts
import { writeFileSync } from 'node:fs';
import { renderRulesDoc } from '../agent/lint/rulesDoc';

writeFileSync('docs/rules.md', renderRulesDoc());
console.log('wrote docs/rules.md');
