/**
 * Reading and writing a directory of template files (`templates apply DIR` / `export DIR`).
 * The shell around files.ts: it touches the file system, files.ts does the parsing.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  type ParsedTemplateFile,
  parseTemplateFile,
  serializeTemplateFile,
  TEMPLATE_FILE,
  TemplateFileError,
  templateFileName,
} from './files.ts';
import type { TemplateSource } from './render.ts';

export interface TemplateDirectory {
  readonly files: readonly (ParsedTemplateFile & { readonly fileName: string })[];
  /** other files in the directory (README.md, …), left alone */
  readonly ignored: readonly string[];
}

/**
 * Reads every `*.mjml` / `*.html` file of a directory (not recursive). A file whose name or
 * front matter is wrong throws a TemplateFileError naming it; two files for the same key and
 * language (`reminder.de.mjml` and `reminder.de.html`) are refused too.
 */
export function readTemplateDirectory(dir: string): TemplateDirectory {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).sort();
  } catch {
    throw new TemplateFileError(dir, 1, 1, 'is not a readable directory');
  }
  const files: (ParsedTemplateFile & { fileName: string })[] = [];
  const ignored: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    if (!/\.(mjml|html)$/.test(name) || !statSync(path).isFile()) {
      ignored.push(name);
      continue;
    }
    if (!TEMPLATE_FILE.test(name)) {
      throw new TemplateFileError(
        path,
        1,
        1,
        'a template file is named KEY.LANGUAGE.mjml or KEY.LANGUAGE.html',
      );
    }
    const parsed = parseTemplateFile(path, readFileSync(path, 'utf8'));
    const id = `${parsed.template.key}.${parsed.template.language}`;
    const other = seen.get(id);
    if (other) throw new TemplateFileError(path, 1, 1, `${other} already defines ${id}; keep one of the two`);
    seen.set(id, name);
    files.push({ ...parsed, fileName: path });
  }
  return { files, ignored };
}

/**
 * Writes one file per template; returns the names written. Every name is checked before
 * anything is written: a key or language that would make a path (`../x`, `a/b`) is refused,
 * so an export never writes outside DIR (the database refuses such keys too; this is the
 * second wall).
 */
export function writeTemplateDirectory(dir: string, templates: readonly TemplateSource[]): string[] {
  for (const t of templates) {
    const name = templateFileName(t);
    if (!TEMPLATE_FILE.test(name) || basename(name) !== name) {
      throw new TemplateFileError(
        name,
        1,
        1,
        'is not a template file name (KEY.LANGUAGE.mjml|html); nothing was written',
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const t of templates) {
    const name = templateFileName(t);
    writeFileSync(join(dir, name), serializeTemplateFile(t));
    written.push(name);
  }
  return written;
}
