/** UI strings of the workspace's customers area (see define.ts). */
import { defineStrings } from './define.ts';

export default defineStrings({
  en: {},
  de: {},
  fr: {},
  es: {},
});
