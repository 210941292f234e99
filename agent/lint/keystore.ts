// Keystores (PKCS#12 `.p12`/`.pfx`, Java `.jks`/`.keystore`/`.jceks`, Android `.bks`) are binary
// containers of private keys. Their content is encrypted or binary, so a file of that kind is a
// finding by its name alone: committing one publishes the keys, guarded only by its password.
import type { Finding } from './scanner';

export const keystoreRuleId = 'keystore-file';

export function keystoreFinding(path: string, bytes: number): Finding {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const name = path.slice(slash + 1);
  return {
    rule: keystoreRuleId,
    provider: 'Generic',
    severity: 'warning',
    start: 0,
    end: 0,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: `Keystore file '${name}' (${bytes} bytes) in the tree`,
    masked: '(binary keystore)',
    why: 'its extension names a keystore (PKCS#12 or Java), a container of private keys.',
  };
}
