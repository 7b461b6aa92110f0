/**
 * Rendering a message template: subject, HTML and plain text. Pure (no I/O; MJML runs in
 * memory with includes disabled).
 *
 * The HTML body is MJML (or plain HTML) with Liquid inside. MJML is compiled to HTML once per
 * template version — the Liquid tags pass through MJML untouched, since they sit inside
 * `mj-text`, `mj-table`, `mj-button` and attributes — and the compiled HTML is then rendered
 * by Liquid for each message. Compiled and parsed forms are cached by content hash.
 */
import { createHash } from 'node:crypto';
import { parsePart, renderPart, type Template, TemplateError } from './engine.ts';
import { htmlToText } from './text.ts';
import type { TemplateVariables } from './variables.ts';

export type BodyFormat = 'mjml' | 'html';

/** One template as written: what `templates apply` reads and `templates export` writes. */
export interface TemplateSource {
  readonly key: string;
  readonly language: string;
  readonly subject: string;
  readonly format: BodyFormat;
  /** MJML or HTML with Liquid */
  readonly body: string;
  /** the written plain-text part; null = derived from the HTML */
  readonly text: string | null;
}

/** A stored template: its source plus the version and, when saved, the compiled HTML. */
export interface MessageTemplate extends TemplateSource {
  readonly version: number;
  readonly compiledHtml?: string | null;
}

export interface RenderedMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** Which template language to use: the customer's, else the organisation's, else English. */
export function chooseLanguage(
  available: Iterable<string>,
  customerLanguage: string | null | undefined,
  organisationLanguage: string | null | undefined,
): string | null {
  const have = new Set(available);
  for (const wanted of [customerLanguage, organisationLanguage, 'en']) {
    if (!wanted) continue;
    if (have.has(wanted)) return wanted;
    // 'de-AT' falls back to 'de' before the organisation's language.
    const primary = wanted.split('-')[0]!.toLowerCase();
    if (have.has(primary)) return primary;
  }
  return null;
}

/**
 * The Intl locale for money and dates: the customer's language when it is a variant of the
 * template's ('de-CH' for a 'de' template), else the template's own, so the numbers read in
 * the same language as the words around them.
 */
export function messageLocale(templateLanguage: string, customerLanguage: string | null | undefined): string {
  const candidate = customerLanguage?.trim();
  if (candidate && candidate.split('-')[0]!.toLowerCase() === templateLanguage.split('-')[0]!.toLowerCase()) {
    try {
      return Intl.getCanonicalLocales(candidate)[0] ?? templateLanguage;
    } catch {
      return templateLanguage;
    }
  }
  return templateLanguage;
}

/** A subject is one header line: CR, LF and runs of whitespace collapse to one space. */
export function subjectLine(rendered: string): string {
  return rendered.replace(/[\r\n\t\v\f\u0085\u2028\u2029 ]+/g, ' ').trim();
}

/**
 * MJML → HTML, cached by content (MJML takes 40–150 ms a template; a render takes well under
 * one). Includes are ignored (`mj-include` would read files), no web fonts are added, and any
 * MJML validation error rejects the template with its line.
 */
export function compileMjml(source: string): Promise<string> {
  const key = createHash('sha256').update(source).digest('hex');
  let compiled = compiledMjml.get(key);
  if (!compiled) {
    compiled = compileMjmlUncached(source);
    if (compiledMjml.size >= MAX_CACHED) compiledMjml.delete(compiledMjml.keys().next().value as string);
    compiledMjml.set(key, compiled);
    compiled.catch(() => compiledMjml.delete(key));
  }
  return compiled;
}

const compiledMjml = new Map<string, Promise<string>>();

async function compileMjmlUncached(source: string): Promise<string> {
  // loaded on first use: sending renders saved templates from their compiled HTML, and MJML
  // with its dependencies takes a while to load
  const { default: mjml2html } = await import('mjml');
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, {
      validationLevel: 'soft',
      ignoreIncludes: true,
      fonts: {},
      keepComments: false,
      minify: false,
      beautify: false,
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const line = /line (\d+)/i.exec(message);
    throw new TemplateError('html', line ? Number(line[1]) : 1, 1, `MJML: ${message.split('\n')[0]}`);
  }
  const first = result.errors[0];
  if (first) {
    throw new TemplateError('html', first.line || 1, 1, `MJML: ${first.message}`);
  }
  return result.html;
}

interface Prepared {
  readonly subject: Template[];
  readonly html: Template[];
  readonly text: Template[] | null;
}

const MAX_CACHED = 500;
const cache = new Map<string, Promise<Prepared>>();

export function templateHash(template: TemplateSource): string {
  return createHash('sha256')
    .update(JSON.stringify([template.format, template.subject, template.body, template.text]))
    .digest('hex');
}

async function prepare(template: MessageTemplate): Promise<Prepared> {
  const key = `${template.key}.${template.language}@${template.version}#${templateHash(template)}`;
  let prepared = cache.get(key);
  if (!prepared) {
    prepared = (async () => {
      const html =
        template.format === 'mjml'
          ? (template.compiledHtml ?? (await compileMjml(template.body)))
          : template.body;
      return {
        subject: parsePart(template.subject, 'subject'),
        html: parsePart(html, 'html'),
        text: template.text === null ? null : parsePart(template.text, 'text'),
      };
    })();
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, prepared);
    // a template that fails to compile is not kept: the next call reports it again
    prepared.catch(() => cache.delete(key));
  }
  return prepared;
}

/**
 * Renders one message. Money and dates follow the customer's language within the template's
 * language (see messageLocale). The subject never contains a line break.
 */
export async function renderMessage(
  template: MessageTemplate,
  variables: TemplateVariables,
  options: { renderLimit?: number } = {},
): Promise<RenderedMessage> {
  const prepared = await prepare(template);
  const locale = messageLocale(template.language, variables.customer.language);
  const subject = subjectLine(await renderPart(prepared.subject, 'subject', variables, locale, options));
  const html = await renderPart(prepared.html, 'html', variables, locale, options);
  const text = prepared.text
    ? (await renderPart(prepared.text, 'text', variables, locale, options)).trim()
    : htmlToText(html);
  return { subject, html, text };
}
