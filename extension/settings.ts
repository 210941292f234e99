// Every setting the extension reads is declared once, in the protocol module, since the language
// server pulls the same section (workspace/configuration); test/unit/settings.test.ts checks it against
// package.json's contributes.configuration.
export {
  type SettingKey,
  settingDefaults,
  settingsSection,
  type TokenSetting,
} from '../agent/protocol';
