/** UI strings of the workspace's settings area (see define.ts). */
import { defineStrings } from './define.ts';

export default defineStrings({
  en: { settings: 'Settings' },
  de: { settings: 'Einstellungen' },
  fr: { settings: 'Paramètres' },
  es: { settings: 'Ajustes' },
});
