// The language server reads the `tokenAgent` section it pulls through the same declaration the
// extension uses: nested values by their dotted key, the default for anything missing or mistyped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingDefaults, settingIn } from '../../agent/protocol';

describe('settingIn', () => {
  it('reads a nested value by its dotted key', () => {
    assert.equal(settingIn({ lint: { enabled: false } }, 'lint.enabled'), false);
    assert.equal(settingIn({ log: { level: 'debug' } }, 'log.level'), 'debug');
  });

  it('falls back to the default when the section, the key or the type is wrong', () => {
    assert.equal(settingIn(null, 'lint.enabled'), settingDefaults['lint.enabled']);
    assert.equal(settingIn({ lint: {} }, 'lint.enabled'), true);
    assert.equal(settingIn({ lint: { enabled: 'no' } }, 'lint.enabled'), true);
    assert.equal(settingIn({ copy: { minValiditySeconds: null } }, 'copy.minValiditySeconds'), 300);
  });
});
