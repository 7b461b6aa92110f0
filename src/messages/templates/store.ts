/**
 * Templates in the database: load, resolve by language, save with versions. The shell around
 * the pure validate/render code.
 *
 * A key that was never saved renders from the shipped defaults (src/messages/defaults), so a
 * fresh install mails well-written messages from day one; saving any language of a key makes
 * the database the source for that key.
 */
import { recordEvents } from '../../platform/audit.ts';
import type { Db, Queryable } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import { loadDefaultTemplates } from '../defaults/templates/index.ts';
import {
  chooseLanguage,
  compileMjml,
  type MessageTemplate,
  type TemplateSource,
  templateHash,
} from './render.ts';
import { formatProblem, type TemplateProblem, validateTemplate } from './validate.ts';

export interface StoredTemplate extends MessageTemplate {
  readonly id: number;
  readonly compiledHtml: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

/** A resolved template and where it came from. */
export type ResolvedTemplate = MessageTemplate & { readonly origin: 'database' | 'default' };

interface TemplateRow {
  [column: string]: unknown;
  id: number;
  key: string;
  language: string;
  subject: string;
  format: 'mjml' | 'html';
  body: string;
  text_body: string | null;
  compiled_html: string;
  version: number;
  updated_by: string;
  updated_at: string;
}

const COLUMNS =
  'id, key, language, subject, format, body, text_body, compiled_html, version, updated_by, updated_at';

function fromRow(r: TemplateRow): StoredTemplate {
  return {
    id: r.id,
    key: r.key,
    language: r.language,
    subject: r.subject,
    format: r.format,
    body: r.body,
    text: r.text_body,
    compiledHtml: r.compiled_html,
    version: r.version,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

export async function listTemplates(db: Queryable): Promise<StoredTemplate[]> {
  const rows = await db.query<TemplateRow>(`SELECT ${COLUMNS} FROM templates ORDER BY key, language`);
  return rows.map(fromRow);
}

export async function getTemplate(
  db: Queryable,
  key: string,
  language: string,
): Promise<StoredTemplate | null> {
  const [row] = await db.query<TemplateRow>(
    `SELECT ${COLUMNS} FROM templates WHERE key = $1 AND language = $2`,
    [key, language],
  );
  return row ? fromRow(row) : null;
}

/**
 * The template for a key in the reader's language: customer language → organisation
 * language → English, from the database when the key was ever saved, else from the shipped
 * defaults. Null when neither has the key in any of those languages.
 */
export async function resolveTemplate(
  db: Queryable,
  key: string,
  customerLanguage: string | null | undefined,
  organisationLanguage: string | null | undefined,
): Promise<ResolvedTemplate | null> {
  const rows = await db.query<TemplateRow>(`SELECT ${COLUMNS} FROM templates WHERE key = $1`, [key]);
  if (rows.length > 0) {
    const language = chooseLanguage(
      rows.map((r) => r.language),
      customerLanguage,
      organisationLanguage,
    );
    const row = rows.find((r) => r.language === language);
    return row ? { ...fromRow(row), origin: 'database' } : null;
  }
  const defaults = loadDefaultTemplates().filter((t) => t.key === key);
  const language = chooseLanguage(
    defaults.map((t) => t.language),
    customerLanguage,
    organisationLanguage,
  );
  const found = defaults.find((t) => t.language === language);
  return found ? { ...found, version: 0, origin: 'default' } : null;
}

/** A set of templates that failed validation; nothing was saved. */
export class TemplateValidationError extends UserError {
  constructor(readonly problems: readonly TemplateProblem[]) {
    super(
      problems.length === 1
        ? formatProblem(problems[0]!)
        : `${problems.length} template problems; first: ${formatProblem(problems[0]!)}`,
      problems,
    );
  }
}

export interface SaveResult {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
}

/**
 * Validates every template first, then saves them all in one transaction: a new version for
 * each changed template (history in template_versions), nothing for an unchanged one. One bad
 * template saves nothing.
 */
export async function saveTemplates(
  db: Db,
  templates: readonly TemplateSource[],
  actor: string,
): Promise<SaveResult> {
  const seen = new Set<string>();
  const problems: TemplateProblem[] = [];
  for (const t of templates) {
    const id = `${t.key}.${t.language}`;
    if (seen.has(id)) {
      problems.push({
        key: t.key,
        language: t.language,
        part: 'subject',
        line: 1,
        column: 1,
        reason: 'given twice',
      });
    }
    seen.add(id);
    problems.push(...(await validateTemplate(t)));
  }
  if (problems.length > 0) throw new TemplateValidationError(problems);
  const prepared = await Promise.all(
    templates.map(async (t) => ({
      template: t,
      hash: templateHash(t),
      compiled: t.format === 'mjml' ? await compileMjml(t.body) : t.body,
    })),
  );
  return db.transaction(async (tx) => {
    const result: SaveResult = { created: [], updated: [], unchanged: [] };
    const events = [];
    for (const { template: t, hash, compiled } of prepared) {
      const id = `${t.key}.${t.language}`;
      const [current] = await tx.query<{ id: number; content_hash: string; version: number }>(
        'SELECT id, content_hash, version FROM templates WHERE key = $1 AND language = $2 FOR UPDATE',
        [t.key, t.language],
      );
      if (current && current.content_hash === hash) {
        result.unchanged.push(id);
        continue;
      }
      const version = current ? current.version + 1 : 1;
      const [saved] = await tx.query<{ id: number }>(
        `INSERT INTO templates (key, language, subject, format, body, text_body, compiled_html, content_hash, version, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
         ON CONFLICT (key, language) DO UPDATE SET
           subject = EXCLUDED.subject, format = EXCLUDED.format, body = EXCLUDED.body,
           text_body = EXCLUDED.text_body, compiled_html = EXCLUDED.compiled_html,
           content_hash = EXCLUDED.content_hash, version = EXCLUDED.version,
           updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING id`,
        [t.key, t.language, t.subject, t.format, t.body, t.text, compiled, hash, version, actor],
      );
      await tx.execute(
        `INSERT INTO template_versions (template_id, version, key, language, subject, format, body, text_body, content_hash, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [saved!.id, version, t.key, t.language, t.subject, t.format, t.body, t.text, hash, actor],
      );
      (current ? result.updated : result.created).push(id);
      events.push({
        actor,
        customerId: null,
        action: current ? 'template.updated' : 'template.created',
        entity: 'template',
        entityId: id,
        data: { version },
      });
    }
    await recordEvents(tx, events);
    return result;
  });
}

/** Saves the shipped defaults when no template was ever saved (demo and first start). */
export async function installDefaultTemplates(db: Db, actor = 'system'): Promise<SaveResult | null> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM templates');
  if ((row?.n ?? 0) > 0) return null;
  return saveTemplates(db, loadDefaultTemplates(), actor);
}
