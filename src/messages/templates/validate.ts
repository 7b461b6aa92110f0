/**
 * Checks a template before it is saved: every part parses, uses only known filters and tags,
 * and names only the variables of PRODUCT §5; MJML compiles; and the whole template renders
 * against a complete sample (which catches a misspelt field of a loop variable, `inv.numbr`,
 * that static analysis cannot attribute). Pure.
 *
 * Problems come back as `reminder.de html line 12, column 5: unknown variable "custmer.name"`,
 * with lines counted inside the part; a file reader shifts them to file lines.
 */
import type { Variable } from 'liquidjs';
import {
  liquidFor,
  parsePart,
  renderPart,
  type Template,
  TemplateError,
  type TemplatePart,
} from './engine.ts';
import { compileMjml, messageLocale, type TemplateSource } from './render.ts';
import { buildVariables, SAMPLE_VARIABLE_INPUT, VARIABLE_SHAPE, type VariableShape } from './variables.ts';

export interface TemplateProblem {
  readonly key: string;
  readonly language: string;
  readonly part: TemplatePart;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

export function formatProblem(p: TemplateProblem): string {
  return `${p.key}.${p.language} ${p.part} line ${p.line}, column ${p.column}: ${p.reason}`;
}

export const TEMPLATE_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TEMPLATE_LANGUAGE = /^[a-z]{2,3}(-[A-Z][A-Za-z0-9]{1,7})?$/;

function isList(shape: VariableShape): shape is { readonly list: VariableShape } {
  return typeof shape === 'object' && Object.keys(shape).length === 1 && 'list' in shape;
}

/** Whether a variable path (`invoices.first.number`, `totals[i].open`) exists in PRODUCT §5's set. */
function pathExists(segments: readonly (string | number | Variable)[]): boolean {
  const [root, ...rest] = segments;
  if (typeof root !== 'string' || !Object.hasOwn(VARIABLE_SHAPE, root)) return false;
  let shape: VariableShape = VARIABLE_SHAPE[root]!;
  for (const segment of rest) {
    if (shape === 'value') {
      if (segment !== 'size') return false;
    } else if (isList(shape)) {
      if (segment === 'size') shape = 'value';
      else if (segment === 'first' || segment === 'last' || typeof segment !== 'string') shape = shape.list;
      else return false;
    } else {
      // a computed key on an object (`customer[x]`) cannot be checked statically; rendering checks it
      if (typeof segment === 'object') return true;
      const fields = shape as { readonly [field: string]: VariableShape };
      if (typeof segment !== 'string' || !Object.hasOwn(fields, segment)) return false;
      shape = fields[segment]!;
    }
  }
  return true;
}

function checkVariables(parsed: Template[], part: TemplatePart): TemplateError[] {
  const analysis = liquidFor(part).analyzeSync(parsed, { partials: false });
  const problems: TemplateError[] = [];
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      if (!pathExists(variable.segments)) {
        problems.push(
          new TemplateError(
            part,
            variable.location.row,
            variable.location.col,
            `unknown variable "${variable.toString()}"`,
          ),
        );
      }
    }
  }
  return problems;
}

const LIQUID_MARKUP = /\{%-?[\s\S]*?-?%\}|\{\{-?[\s\S]*?-?\}\}/g;

/**
 * MJML silently drops text that sits between components, so `{% for %}` around an
 * `<mj-section>` would vanish. Every Liquid tag and output of the source must survive into
 * the compiled HTML; the first one that does not is reported where the author wrote it.
 */
function droppedLiquid(source: string, compiled: string): TemplateError | null {
  const remaining = new Map<string, number>();
  for (const m of compiled.matchAll(LIQUID_MARKUP)) remaining.set(m[0], (remaining.get(m[0]) ?? 0) + 1);
  for (const m of source.matchAll(LIQUID_MARKUP)) {
    const left = remaining.get(m[0]) ?? 0;
    if (left > 0) {
      remaining.set(m[0], left - 1);
      continue;
    }
    const before = source.slice(0, m.index);
    const line = before.split('\n').length;
    const column = m.index - before.lastIndexOf('\n');
    return new TemplateError(
      'html',
      line,
      column,
      `MJML drops "${m[0]}" because it stands between components; put Liquid inside mj-text, mj-table, mj-button or mj-raw`,
    );
  }
  return null;
}

/**
 * All problems of one template (empty when it is fine), in part order. Stops at the first
 * problem of a part that does not parse.
 */
export async function validateTemplate(template: TemplateSource): Promise<TemplateProblem[]> {
  const where = { key: template.key, language: template.language };
  const problems: TemplateProblem[] = [];
  const add = (e: TemplateError) =>
    problems.push({ ...where, part: e.part, line: e.line, column: e.column, reason: e.reason });
  const catchTemplate = (err: unknown) => {
    if (err instanceof TemplateError) add(err);
    else throw err;
  };
  if (!TEMPLATE_KEY.test(template.key)) {
    add(
      new TemplateError(
        'subject',
        1,
        1,
        `"${template.key}" is not a template key (lowercase letters, digits, -)`,
      ),
    );
  }
  if (!TEMPLATE_LANGUAGE.test(template.language)) {
    add(
      new TemplateError('subject', 1, 1, `"${template.language}" is not a language code (en, de, fr-CA …)`),
    );
  }
  if (template.subject.trim() === '') add(new TemplateError('subject', 1, 1, 'the subject is empty'));
  if (template.body.trim() === '') add(new TemplateError('html', 1, 1, 'the body is empty'));
  if (problems.length > 0) return problems;

  const parts: [TemplatePart, string][] = [
    ['subject', template.subject],
    ['html', template.body],
  ];
  if (template.text !== null) parts.push(['text', template.text]);
  const parsed = new Map<TemplatePart, Template[]>();
  for (const [part, source] of parts) {
    try {
      const templates = parsePart(source, part);
      parsed.set(part, templates);
      for (const e of checkVariables(templates, part)) add(e);
    } catch (err) {
      catchTemplate(err);
    }
  }
  if (problems.length > 0) return problems;

  // MJML must compile, and the compiled HTML must still parse (Liquid inside MJML markup
  // that MJML rewrote would break here, not when the first customer is mailed).
  let htmlParsed = parsed.get('html')!;
  if (template.format === 'mjml') {
    try {
      const compiled = await compileMjml(template.body);
      const dropped = droppedLiquid(template.body, compiled);
      if (dropped) throw dropped;
      htmlParsed = parsePart(compiled, 'html');
    } catch (err) {
      catchTemplate(err);
      return problems;
    }
  }
  const sample = buildVariables({
    ...SAMPLE_VARIABLE_INPUT,
    customer: { ...SAMPLE_VARIABLE_INPUT.customer, language: template.language },
  });
  const locale = messageLocale(template.language, template.language);
  for (const [part] of parts) {
    // The source itself is rendered (not only MJML's output) so that positions are the author's.
    try {
      await renderPart(parsed.get(part)!, part, sample, locale);
      if (part === 'html' && template.format === 'mjml') await renderPart(htmlParsed, part, sample, locale);
    } catch (err) {
      catchTemplate(err);
    }
  }
  return problems;
}
