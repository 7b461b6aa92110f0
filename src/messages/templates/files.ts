/**
 * The template file format (one file per key and language, reviewable in git). Pure: text in,
 * text out. See src/messages/defaults/templates/README.md for the author's view.
 *
 *   reminder.de.mjml            (or reminder.de.html for a plain-HTML body)
 *   ---
 *   subject: "Zahlungserinnerung {{ invoices.first.number }}"
 *   text: |                     (optional: the plain-text part; derived from the HTML when absent)
 *     Guten Tag …
 *   ---
 *   <mjml> … </mjml>
 *
 * Positions: a problem found in a part (subject, text, body) is reported at its line and
 * column in the file, so an editor can jump to it.
 */
import { isMap, isScalar, LineCounter, parse, parseDocument, stringify } from 'yaml';
import type { TemplatePart } from './engine.ts';
import type { BodyFormat, TemplateSource } from './render.ts';
import { TEMPLATE_KEY, TEMPLATE_LANGUAGE, type TemplateProblem } from './validate.ts';

export const TEMPLATE_FILE = /^([a-z0-9][a-z0-9-]*)\.([a-z]{2,3}(?:-[A-Z][A-Za-z0-9]{1,7})?)\.(mjml|html)$/;

/** A template file problem: the file's name, a line and column in it, and the reason. */
export class TemplateFileError extends Error {
  override readonly name = 'TemplateFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file} line ${line}, column ${column}: ${reason}`);
  }
}

/** Maps a (line, column) inside a part to the file. */
type PositionMap = (line: number, column: number) => { line: number; column: number };

export interface ParsedTemplateFile {
  readonly template: TemplateSource;
  readonly positions: Readonly<Record<TemplatePart, PositionMap>>;
}

export function templateFileName(t: { key: string; language: string; format: BodyFormat }): string {
  return `${t.key}.${t.language}.${t.format}`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Parses one template file; `fileName` (a base name) gives the key, language and format. */
export function parseTemplateFile(fileName: string, content: string): ParsedTemplateFile {
  const name = fileName.split(/[\\/]/).pop() ?? fileName;
  const m = TEMPLATE_FILE.exec(name);
  if (!m || !TEMPLATE_KEY.test(m[1]!) || !TEMPLATE_LANGUAGE.test(m[2]!)) {
    throw new TemplateFileError(
      fileName,
      1,
      1,
      'a template file is named KEY.LANGUAGE.mjml or KEY.LANGUAGE.html (e.g. reminder.de.mjml)',
    );
  }
  const [, key, language, format] = m as unknown as [string, string, string, BodyFormat];
  const text = content.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!text.startsWith('---\n')) {
    throw new TemplateFileError(
      fileName,
      1,
      1,
      'the file must start with a "---" line and front matter holding subject:',
    );
  }
  const close = /^---[ \t]*$/m;
  const rest = text.slice(4);
  const closing = close.exec(rest);
  if (!closing) throw new TemplateFileError(fileName, 1, 1, 'the front matter is not closed by a "---" line');
  const frontText = rest.slice(0, closing.index);
  const afterClose = 4 + closing.index + closing[0].length;
  const bodyStart = text[afterClose] === '\n' ? afterClose + 1 : afterClose;
  const body = text.slice(bodyStart);
  const starts = lineStarts(text);

  const lineCounter = new LineCounter();
  const doc = parseDocument(frontText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fail = (offset: number, reason: string): never => {
    const p = positionOf(starts, 4 + offset);
    throw new TemplateFileError(fileName, p.line, p.column, reason);
  };
  const yamlError = doc.errors[0];
  if (yamlError) fail(yamlError.pos[0], `front matter: ${yamlError.message.split('\n')[0]}`);
  if (!isMap(doc.contents)) fail(0, 'the front matter must be "subject: …" (and optionally "text: |")');
  const map = doc.contents as NonNullable<ReturnType<typeof parseDocument>['contents']> & {
    items: { key: unknown; value: unknown }[];
  };
  let subject: { value: string; map: PositionMap } | undefined;
  let textPart: { value: string; map: PositionMap } | undefined;
  for (const item of map.items) {
    const k = isScalar(item.key) ? String(item.key.value) : '';
    const keyOffset = isScalar(item.key) ? (item.key.range?.[0] ?? 0) : 0;
    if (k !== 'subject' && k !== 'text')
      fail(keyOffset, `unknown front matter field "${k}" (allowed: subject, text)`);
    if (!isScalar(item.value) || typeof item.value.value !== 'string') {
      fail(keyOffset, `"${k}" must be text`);
    }
    const node = item.value as { value: string; range?: [number, number, number]; type?: string };
    const valueStart = 4 + (node.range?.[0] ?? keyOffset);
    const at = positionOf(starts, valueStart);
    let map2: PositionMap;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      // content starts on the line after the indicator, indented
      const firstContentLine = at.line + 1;
      const lineText = text.slice(starts[firstContentLine - 1] ?? 0).split('\n')[0] ?? '';
      const indent = lineText.length - lineText.trimStart().length;
      map2 = (line, column) => ({ line: firstContentLine + line - 1, column: column + indent });
    } else {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
      map2 = (line, column) =>
        line === 1
          ? { line: at.line, column: at.column + quoted + column - 1 }
          : { line: at.line + line - 1, column };
    }
    if (k === 'subject') subject = { value: node.value, map: map2 };
    else textPart = { value: node.value, map: map2 };
  }
  if (!subject) fail(0, 'the front matter has no "subject:"');
  const bodyLine = positionOf(starts, bodyStart).line;
  const subjectPart = subject as { value: string; map: PositionMap };
  return {
    template: { key, language, format, subject: subjectPart.value, body, text: textPart?.value ?? null },
    positions: {
      subject: subjectPart.map,
      text: textPart?.map ?? ((line, column) => ({ line, column })),
      html: (line, column) => ({ line: bodyLine + line - 1, column }),
    },
  };
}

/** A validation problem of a parsed file, as a file error with the file's own line and column. */
export function fileProblem(
  fileName: string,
  parsed: ParsedTemplateFile,
  problem: TemplateProblem,
): TemplateFileError {
  const p = parsed.positions[problem.part](problem.line, problem.column);
  const where = problem.part === 'html' ? '' : ` (${problem.part})`;
  return new TemplateFileError(fileName, p.line, p.column, `${problem.reason}${where}`);
}

/** The file text for a template; parseTemplateFile(templateFileName(t), serializeTemplateFile(t)) gives t back. */
export function serializeTemplateFile(t: TemplateSource): string {
  const front: Record<string, string> = { subject: t.subject };
  if (t.text !== null) front.text = t.text;
  // Block scalars read best in review; a value they cannot carry exactly (a first line of
  // spaces, say) is written double-quoted instead.
  let yaml = stringify(front, { lineWidth: 0 });
  const back = parse(yaml) as Record<string, string>;
  if (back.subject !== front.subject || back.text !== front.text) {
    yaml = stringify(front, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  }
  return `---\n${yaml}---\n${t.body}`;
}
