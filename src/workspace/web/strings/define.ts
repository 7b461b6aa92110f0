/**
 * One area's UI strings in the four languages. English defines the keys; German, French and
 * Spanish must give every one of them (the type-check fails otherwise). i18n.ts merges the areas.
 */
export interface AreaStrings<T extends Record<string, string>> {
  en: T;
  de: Record<keyof T, string>;
  fr: Record<keyof T, string>;
  es: Record<keyof T, string>;
}

export function defineStrings<const T extends Record<string, string>>(
  strings: AreaStrings<T>,
): AreaStrings<T> {
  return strings;
}
