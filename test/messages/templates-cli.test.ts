/**
 * `dunwell templates apply | export | preview` end to end: the real CLI process against a
 * fresh database (a PGlite directory; a PostgreSQL database too when TEST_DATABASE_URL is
 * set), with a customer and invoices inserted by SQL.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_TEMPLATES_DIR } from '../../src/messages/defaults/templates/index.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { runDunwell } from '../support/cli.ts';
import { createPostgresDatabase, engines, seedDataDir } from '../support/db.ts';

const dunwell = (args: string[], env: Record<string, string> = {}) =>
  runDunwell(args, { DUNWELL_NOW: '2026-03-15T10:00:00Z', ...env });

const SEED = `
  UPDATE organisation SET name = 'Nordlicht Logistik GmbH', address = 'Hafenstraße 12, Hamburg', language = 'en';
  INSERT INTO customers (external_id, name, language, currency) VALUES
    ('C-DE', 'Bäckerei Größ & Söhne', 'de', 'EUR'),
    ('C-IT', 'Pasticceria Rossi', 'it', 'EUR'),
    ('C-NONE', 'Empty Ltd', 'en', 'EUR');
  INSERT INTO contacts (external_id, customer_id, name, email, role)
    SELECT 'C-DE-1', id, 'Jürgen Weiß', 'buchhaltung@backerei.example', 'billing' FROM customers WHERE external_id = 'C-DE';
  INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
    SELECT x.n, c.id, x.n, x.i::date, x.d::date, 'EUR', x.a
      FROM customers c,
           (VALUES ('C-DE', 'RE-1001', '2026-01-10', '2026-02-09', 123450),
                   ('C-DE', 'RE-1002', '2026-02-20', '2026-03-22', 9900),
                   ('C-IT', 'RE-2001', '2026-01-01', '2026-01-31', 50000)) AS x(cust, n, i, d, a)
     WHERE c.external_id = x.cust;
`;

for (const engine of engines()) {
  describe(`templates CLI [${engine}]`, () => {
    const work = mkdtempSync(join(tmpdir(), 'dunwell-templates-cli-'));
    let target = join(work, 'db');
    let drop: (() => Promise<void>) | undefined;

    before(async () => {
      if (engine === 'postgres') {
        const created = await createPostgresDatabase();
        target = created.url;
        drop = created.drop;
      } else {
        await seedDataDir(target);
      }
      const db = await openDatabase(target);
      try {
        await db.exec(SEED);
      } finally {
        await db.close();
      }
    });
    after(async () => {
      await drop?.();
      rmSync(work, { recursive: true, force: true });
    });

    it('previews with real data in the customer language, from the shipped defaults', async () => {
      const run = await dunwell(['templates', 'preview', 'past-due', '--customer', 'C-DE', '--db', target], {
        DUNWELL_PUBLIC_URL: 'https://ar.nordlicht.example',
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Subject: Zahlungserinnerung: 2 Rechnungen sind überfällig\n\n/);
      assert.match(run.stdout, /Guten Tag Jürgen Weiß,/);
      assert.match(run.stdout, /RE-1001\s+9\. Februar 2026\s+1\.234,50\s€\s+1\.234,50\s€\s+34/);
      assert.match(run.stdout, /Offen gesamt \(EUR\)\s+1\.333,50\s€/);
      assert.match(
        run.stdout,
        /<https:\/\/ar\.nordlicht\.example\/portal\/[A-Za-z0-9._~-]{40,}>/,
        'a signed portal link',
      );
    });

    it('falls back to the organisation language for a customer language without templates', async () => {
      const run = await dunwell([
        'templates',
        'preview',
        'reminder',
        '--customer',
        'C-IT',
        '--db',
        target,
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout) as {
        language: string;
        origin: string;
        subject: string;
        html: string;
      };
      assert.equal(out.language, 'en');
      assert.equal(out.origin, 'default');
      assert.equal(out.subject, 'Friendly reminder: invoice RE-2001 falls due on January 31, 2026');
      assert.match(out.html, /href="http:\/\/127\.0\.0\.1:3000\/portal\/[A-Za-z0-9._~-]{40,}"/);
    });

    it('renders a complete message with --format eml and HTML with --format html', async () => {
      const eml = await dunwell([
        'templates',
        'preview',
        'final-notice',
        '--customer',
        'C-DE',
        '--language',
        'fr',
        '--format',
        'eml',
        '--db',
        target,
      ]);
      assert.equal(eml.code, 0, eml.stderr);
      assert.match(eml.stdout, /^Content-Type: multipart\/alternative;/m);
      assert.match(eml.stdout, /^Subject: =\?UTF-8\?/m);
      assert.match(eml.stdout, /^To: =\?UTF-8\?Q\?J=C3=BCrgen_Wei=C3=9F\?= <buchhaltung@backerei\.example>/m);
      assert.match(eml.stdout, /^Content-Type: text\/plain; charset=utf-8/m);
      assert.match(eml.stdout, /^Content-Type: text\/html; charset=utf-8/m);
      const html = await dunwell([
        'templates',
        'preview',
        'statement',
        '--customer',
        'C-DE',
        '--format',
        'html',
        '--db',
        target,
      ]);
      assert.equal(html.code, 0, html.stderr);
      assert.match(html.stdout, /^<!doctype html>/i);
      assert.match(html.stdout, /Kontoauszug zum 15\. März 2026|Ihre offenen Posten/);
    });

    it('refuses a bad directory as a whole and names file, line and column', async () => {
      const dir = join(work, 'bad');
      mkdirSync(dir);
      copyFileSync(join(DEFAULT_TEMPLATES_DIR, 'welcome.en.mjml'), join(dir, 'welcome.en.mjml'));
      writeFileSync(
        join(dir, 'reminder.de.html'),
        '---\nsubject: "Erinnerung"\n---\n<p>Hallo</p>\n<p>{{ custmer.name }}</p>\n',
      );
      const run = await dunwell(['templates', 'apply', dir, '--db', target]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr.trim(),
        `dunwell: ${join(dir, 'reminder.de.html')} line 5, column 7: unknown variable "custmer.name"`,
      );
      const json = await dunwell(['templates', 'export', join(work, 'after-bad'), '--db', target, '--json']);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(
        (JSON.parse(json.stdout) as { from_defaults: number }).from_defaults,
        40,
        'something was saved',
      );
    });

    it('applies a directory, and export writes the same files back', async () => {
      const dir = join(work, 'good');
      mkdirSync(dir);
      for (const name of readdirSync(DEFAULT_TEMPLATES_DIR)) {
        if (name.endsWith('.mjml')) copyFileSync(join(DEFAULT_TEMPLATES_DIR, name), join(dir, name));
      }
      writeFileSync(
        join(dir, 'past-due.de.mjml'),
        readFileSync(join(dir, 'past-due.de.mjml'), 'utf8').replace(
          'Zahlungserinnerung:',
          'Zweite Erinnerung:',
        ),
      );
      writeFileSync(join(dir, 'notes.txt'), 'not a template');
      const applied = await dunwell(['templates', 'apply', dir, '--db', target, '--json']);
      assert.equal(applied.code, 0, applied.stderr);
      const result = JSON.parse(applied.stdout) as {
        templates: number;
        created: string[];
        ignored: string[];
      };
      assert.equal(result.templates, 40);
      assert.equal(result.created.length, 40);
      assert.deepEqual(result.ignored, ['notes.txt']);

      const out = join(work, 'exported');
      const exported = await dunwell(['templates', 'export', out, '--db', target]);
      assert.equal(exported.code, 0, exported.stderr);
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.mjml'))) {
        assert.equal(readFileSync(join(out, name), 'utf8'), readFileSync(join(dir, name), 'utf8'), name);
      }
      const preview = await dunwell([
        'templates',
        'preview',
        'past-due',
        '--customer',
        'C-DE',
        '--db',
        target,
      ]);
      assert.match(preview.stdout, /^Subject: Zweite Erinnerung: 2 Rechnungen sind überfällig/);
    });

    it('says what is wrong with a bad preview', async () => {
      const unknown = await dunwell([
        'templates',
        'preview',
        'past-due',
        '--customer',
        'NOPE',
        '--db',
        target,
      ]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no customer with external_id "NOPE"/);
      const usage = await dunwell(['templates', 'preview', 'past-due', '--db', target]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /needs --customer/);
      const empty = await dunwell([
        'templates',
        'preview',
        'welcome',
        '--customer',
        'C-NONE',
        '--db',
        target,
      ]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stderr, /customer "C-NONE" has no open invoices on 2026-03-15/);
      assert.doesNotMatch(empty.stdout, /RE-/);
      const followup = await dunwell([
        'templates',
        'preview',
        'past-due-followup',
        '--customer',
        'C-NONE',
        '--db',
        target,
      ]);
      assert.equal(followup.code, 1);
      assert.match(
        followup.stderr,
        /past-due-followup\.en html line \d+, column \d+: unknown variable "invoices\.first(\.days_overdue)?" \(customer "C-NONE" has no open invoices on 2026-03-15\)/,
      );
      const language = await dunwell([
        'templates',
        'preview',
        'past-due',
        '--customer',
        'C-DE',
        '--language',
        'pt',
        '--db',
        target,
      ]);
      assert.equal(language.code, 1);
      assert.match(language.stderr, /no "past-due" template in language "pt"/);
    });
  });
}
