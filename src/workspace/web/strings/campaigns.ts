/** UI strings of the workspace's campaigns area (see define.ts). */
import { defineStrings } from './define.ts';

export default defineStrings({
  en: { campaigns: 'Campaigns' },
  de: { campaigns: 'Kampagnen' },
  fr: { campaigns: 'Campagnes' },
  es: { campaigns: 'Campañas' },
});
