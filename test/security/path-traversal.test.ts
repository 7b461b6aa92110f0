/**
 * Path traversal (issue 8, security suite): names that come from users never become paths
 * outside the place meant for them.
 * - Template export (`dunwell templates export DIR`): a template key or language like `../x`
 *   is refused by the database, by saving, and — as a second wall — by the export itself,
 *   before anything is written.
 * - Portal uploads: the browser's file name (`../../etc/passwd`, CR/LF, quotes) is stored
 *   only as a safe name; uploads live in the database, never on disk.
 * - Import PDFs named by `pdf_path` stay inside the import's folder:
 *   test/messages/documents-imported.test.ts ("reads files inside the import folder only").
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { writeTemplateDirectory } from '../../src/messages/templates/directory.ts';
import { TemplateFileError } from '../../src/messages/templates/files.ts';
import type { TemplateSource } from '../../src/messages/templates/render.ts';
import { saveTemplates, TemplateValidationError } from '../../src/messages/templates/store.ts';
import { csrfOf, linkPath, multipart, portalServer, type Seeded, seedPortal } from '../portal/support.ts';
import { describeEachEngine } from '../support/db.ts';

const template = (key: string, language = 'en'): TemplateSource => ({
  key,
  language,
  subject: 'Hello',
  format: 'html',
  body: '<p>Hello {{ customer.name }}</p>',
  text: null,
});

describe('template export writes inside DIR only', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dunwell-traversal-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [key, language] of [
    ['../escape', 'en'],
    ['a/b', 'en'],
    ['..', 'en'],
    ['ok', '../../escape'],
    ['ok', 'en/../../x'],
    ['/etc/cron.d/x', 'en'],
    ['x\u0000', 'en'],
  ] as const) {
    it(`refuses key ${JSON.stringify(key)}, language ${JSON.stringify(language)} and writes nothing`, () => {
      const dir = join(root, `out-${readdirSync(root).length}`);
      assert.throws(
        () => writeTemplateDirectory(dir, [template('good'), template(key, language)]),
        (e: unknown) =>
          e instanceof TemplateFileError &&
          /is not a template file name \(KEY\.LANGUAGE\.mjml\|html\); nothing was written/.test(e.message),
      );
      assert.equal(existsSync(dir), false, 'the directory was created anyway');
      assert.deepEqual(
        readdirSync(root).filter((n) => !n.startsWith('out-')),
        [],
        'a file was written next to DIR',
      );
    });
  }

  it('writes the good names', () => {
    const dir = join(root, 'good');
    assert.deepEqual(writeTemplateDirectory(dir, [template('reminder', 'de-CH')]), ['reminder.de-CH.html']);
  });
});

describeEachEngine('template keys that would be paths never reach the database', (db) => {
  it('saving refuses them with the key named', async () => {
    await assert.rejects(
      saveTemplates(db(), [template('../x')], 'test'),
      (e: unknown) => e instanceof TemplateValidationError && /\.\.\/x/.test(e.message),
    );
  });

  it('the table refuses them even when written directly', async () => {
    for (const [key, language] of [
      ['../x', 'en'],
      ['a/b', 'en'],
      ['ok', '../en'],
    ]) {
      await assert.rejects(
        db().execute(
          `INSERT INTO templates (key, language, subject, format, body, compiled_html, content_hash, updated_by)
           VALUES ($1, $2, 's', 'html', 'b', 'b', 'h', 'test')`,
          [key, language],
        ),
        /check constraint|violates/i,
      );
    }
  });
});

describeEachEngine('portal uploads keep only a safe file name', (db) => {
  let app: FastifyInstance;
  let seeded: Seeded;
  let base: string;
  let csrf: string;
  before(async () => {
    seeded = await seedPortal(db());
    app = await portalServer(db());
    base = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    csrf = csrfOf((await app.inject({ url: base })).body);
  });
  after(async () => {
    await app.close();
  });

  it('stores ../, absolute, backslashed and quoted names as plain names', async () => {
    const names = [
      '../../../../etc/passwd.pdf',
      '/etc/shadow.pdf',
      '..\\..\\windows\\win.ini.pdf',
      'a%22; filename=evil.exe.pdf', // how a browser sends a quote in a file name
      '.htaccess.pdf',
      '..',
      '.',
      'Überweisung März (2).pdf',
    ];
    for (const name of names) {
      const body = multipart(
        { csrf, kind: 'remittance', invoice: 'A-1' },
        { name, type: 'application/pdf', bytes: Buffer.from(`%PDF-1.4\n% ${name}\n`) },
      );
      const r = await app.inject({
        method: 'POST',
        url: `${base}/documents`,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      });
      assert.equal(r.statusCode, 200, `${name}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    const stored = await db().query<{ file_name: string }>(
      'SELECT file_name FROM portal_uploads ORDER BY id',
    );
    assert.equal(stored.length, names.length);
    for (const { file_name } of stored) {
      // a plain name: no directory part, no control character, not hidden, never "." or ".."
      assert.match(file_name, /^[^./\\\p{Cc}][^/\\\p{Cc}]*$/u, file_name);
    }
    assert.equal(stored.at(-1)!.file_name, 'Überweisung März (2).pdf', 'a readable name stays readable');
  });
});
