// `token-agent scan` as its own bundle (dist/agent-scan.js), which the small entry point loads for
// `scan`: a pre-commit hook scans a few staged files, where loading the whole CLI (1.7 MB: the engine,
// the language server) cost more than the scan itself.
import { scanMain } from './scan';

void scanMain(process.argv.slice(3)).then((code) => {
  process.exitCode = code;
});
