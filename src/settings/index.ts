/** The workspace's settings (issue 7 item 7): storage, validation and the effective configuration. */
export {
  configFingerprint,
  dkimKeyFile,
  type EffectiveSettings,
  effectiveConfig,
  effectiveSettings,
  resolveConfig,
  resolveStripe,
  type StripeSettings,
} from './effective.ts';
export { paymentProviderFromSettings } from './payments.ts';
export { refreshedSetting } from './refresh.ts';
export { checkLogo, LOGO_MAX_BYTES, lockedFields, SECTIONS, type Section, SectionInput } from './schema.ts';
export {
  type DeployContext,
  generateDkim,
  processDeployContext,
  readStoredSettings,
  SettingsFieldError,
  saveSection,
} from './store.ts';
export { sendTestMail, TEST_MAIL_LIMIT, type TestMailResult } from './test-mail.ts';
export { LastAdminError, updateWorkspaceUser } from './users.ts';
export { type SettingsAnswer, type SettingsView, settingsView } from './view.ts';
