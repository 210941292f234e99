// Writes docs/protocol.md from agent/protocol.ts (test/unit/protocol-doc.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { renderProtocolDoc } from './protocolDoc';

writeFileSync('docs/protocol.md', renderProtocolDoc());
console.log('wrote docs/protocol.md');
