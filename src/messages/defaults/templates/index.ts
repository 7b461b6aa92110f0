/**
 * The default templates that ship with Dunwell: ten keys in English, German, French and
 * Spanish, one file each in this folder (format: README.md here). A key that was never
 * applied to the database renders from these.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTemplateDirectory } from '../../templates/directory.ts';
import type { TemplateSource } from '../../templates/render.ts';

export const DEFAULT_TEMPLATES_DIR = dirname(fileURLToPath(import.meta.url));

export const DEFAULT_TEMPLATE_KEYS = [
  'welcome',
  'reminder',
  'due-today',
  'past-due',
  'past-due-followup',
  'final-notice',
  'statement',
  'promise-confirmation',
  'promise-broken',
  'dispute-received',
] as const;

export const DEFAULT_TEMPLATE_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;

let loaded: readonly TemplateSource[] | undefined;

/** The shipped templates, read once per process. */
export function loadDefaultTemplates(): readonly TemplateSource[] {
  loaded ??= readTemplateDirectory(DEFAULT_TEMPLATES_DIR).files.map((f) => f.template);
  return loaded;
}
