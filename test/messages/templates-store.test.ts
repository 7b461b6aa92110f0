/**
 * Templates and documents in the database, on every engine: save with versions, atomic apply,
 * export/apply round trip, language fallback, variables and statements loaded from ledger
 * rows, stored invoice PDFs (bytea) round trip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadDefaultTemplates } from '../../src/messages/defaults/templates/index.ts';
import {
  invoicePdf,
  loadInvoiceDocument,
  loadStatementPdfInput,
  saveInvoiceDocument,
} from '../../src/messages/documents/load.ts';
import { readTemplateDirectory, writeTemplateDirectory } from '../../src/messages/templates/directory.ts';
import { serializeTemplateFile, templateFileName } from '../../src/messages/templates/files.ts';
import { loadVariableInput } from '../../src/messages/templates/load-variables.ts';
import type { TemplateSource } from '../../src/messages/templates/render.ts';
import { renderMessage } from '../../src/messages/templates/render.ts';
import {
  installDefaultTemplates,
  listTemplates,
  resolveTemplate,
  saveTemplates,
  TemplateValidationError,
} from '../../src/messages/templates/store.ts';
import { buildVariables } from '../../src/messages/templates/variables.ts';
import { describeEachEngine } from '../support/db.ts';
import { inspectPdf } from './support/pdf.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dunwell-templates-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function t(key: string, language: string, subject: string): TemplateSource {
  return {
    key,
    language,
    subject,
    format: 'html',
    body: `<p>${subject} {{ customer.name }}</p>`,
    text: null,
  };
}

describeEachEngine('templates store', (db) => {
  it('saves new templates as version 1, skips unchanged ones, versions changed ones', async () => {
    const first = await saveTemplates(
      db(),
      [t('custom-a', 'en', 'Hello'), t('custom-a', 'de', 'Hallo')],
      'test',
    );
    assert.deepEqual(first, { created: ['custom-a.en', 'custom-a.de'], updated: [], unchanged: [] });
    const again = await saveTemplates(
      db(),
      [t('custom-a', 'en', 'Hello'), t('custom-a', 'de', 'Guten Tag')],
      'test',
    );
    assert.deepEqual(again, { created: [], updated: ['custom-a.de'], unchanged: ['custom-a.en'] });
    const rows = await db().query<{ key: string; language: string; version: number }>(
      `SELECT key, language, version FROM templates WHERE key = 'custom-a' ORDER BY language`,
    );
    assert.deepEqual(
      rows.map((r) => `${r.language}@${r.version}`),
      ['de@2', 'en@1'],
    );
    const history = await db().query<{ version: number; subject: string }>(
      `SELECT v.version, v.subject FROM template_versions v JOIN templates t ON t.id = v.template_id
        WHERE t.key = 'custom-a' AND t.language = 'de' ORDER BY v.version`,
    );
    assert.deepEqual(
      history.map((h) => `${h.version}:${h.subject}`),
      ['1:Hallo', '2:Guten Tag'],
    );
    const [compiled] = await db().query<{ compiled_html: string }>(
      `SELECT compiled_html FROM templates WHERE key = 'custom-a' AND language = 'en'`,
    );
    assert.equal(compiled!.compiled_html, '<p>Hello {{ customer.name }}</p>');
    const events = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity = 'template' AND entity_id LIKE 'custom-a.%'`,
    );
    assert.equal(events[0]!.n, 3);
  });

  it('saves nothing when one template of the set is bad (atomic), and says where', async () => {
    const before = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM template_versions');
    const set = [
      t('custom-b', 'en', 'Fine'),
      t('custom-a', 'en', 'Changed'),
      { ...t('custom-b', 'fr', 'Bonjour'), body: '<p>\n  {{ custmer.name }}</p>' },
    ];
    await assert.rejects(
      saveTemplates(db(), set, 'test'),
      (err: unknown) =>
        err instanceof TemplateValidationError &&
        err.message === 'custom-b.fr html line 2, column 6: unknown variable "custmer.name"',
    );
    const afterCount = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM template_versions');
    assert.equal(afterCount[0]!.n, before[0]!.n);
    assert.equal((await listTemplates(db())).filter((x) => x.key === 'custom-b').length, 0);
    const [a] = await db().query<{ subject: string }>(
      `SELECT subject FROM templates WHERE key = 'custom-a' AND language = 'en'`,
    );
    assert.equal(a!.subject, 'Hello');
  });

  it('round-trips the shipped defaults through apply and export', async () => {
    const result = await saveTemplates(db(), loadDefaultTemplates(), 'test');
    assert.equal(result.created.length, 40);
    assert.equal(await installDefaultTemplates(db(), 'test'), null, 'installs only into an empty table');
    const exportDir = join(tmp, `export-${Date.now()}`);
    const saved = (await listTemplates(db())).filter((x) => !x.key.startsWith('custom-'));
    writeTemplateDirectory(exportDir, saved);
    for (const d of loadDefaultTemplates()) {
      const name = templateFileName(d);
      assert.equal(readFileSync(join(exportDir, name), 'utf8'), serializeTemplateFile(d), name);
    }
    const reread = readTemplateDirectory(exportDir).files.map((f) => f.template);
    const again = await saveTemplates(db(), reread, 'test');
    assert.equal(again.unchanged.length, 40);
    assert.equal(again.created.length + again.updated.length, 0);
  });

  it('resolves customer language, then organisation language, then English', async () => {
    await saveTemplates(db(), [t('custom-c', 'en', 'EN'), t('custom-c', 'fr', 'FR')], 'test');
    assert.equal((await resolveTemplate(db(), 'custom-c', 'fr', 'de'))?.subject, 'FR');
    assert.equal((await resolveTemplate(db(), 'custom-c', 'it', 'fr'))?.subject, 'FR');
    assert.equal((await resolveTemplate(db(), 'custom-c', 'it', 'nl'))?.subject, 'EN');
    assert.equal((await resolveTemplate(db(), 'custom-c', 'fr-CA', 'en'))?.subject, 'FR');
    assert.equal(await resolveTemplate(db(), 'no-such-key', 'fr', 'en'), null);
  });

  it('falls back to the shipped defaults for a key never saved', async () => {
    await db().exec(`DELETE FROM templates WHERE key = 'past-due'`);
    const resolved = await resolveTemplate(db(), 'past-due', 'es', 'de');
    assert.equal(resolved?.origin, 'default');
    assert.equal(resolved?.language, 'es');
  });

  it('loads variables and a statement from ledger rows', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, language, currency, payment_terms_days)
        VALUES ('S-1', 'Müller & Søn', 'de', 'EUR', 14);
      INSERT INTO contacts (external_id, customer_id, name, email, role)
        SELECT 'S-1-ap', id, 'Jörg', 'ap@muller.example', 'ap' FROM customers WHERE external_id = 'S-1';
      INSERT INTO contacts (external_id, customer_id, name, email, role)
        SELECT 'S-1-billing', id, 'Ana', 'billing@muller.example', 'billing' FROM customers WHERE external_id = 'S-1';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT x.n, c.id, x.n, x.i::date, x.d::date, x.cur, x.a
          FROM customers c, (VALUES ('S-INV-1', '2026-01-05', '2026-01-19', 'EUR', 150000),
                                    ('S-INV-2', '2026-02-03', '2026-02-17', 'EUR', 20000),
                                    ('S-INV-3', '2026-02-10', '2026-02-24', 'USD', 9900)) AS x(n, i, d, cur, a)
         WHERE c.external_id = 'S-1';
      INSERT INTO payments (external_id, customer_id, date, amount, currency, reference)
        SELECT 'S-PAY-1', id, '2026-02-10', 50000, 'EUR', 'Überweisung 0815' FROM customers WHERE external_id = 'S-1';
      INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
        SELECT i.id, 'payment', p.id, 50000, '2026-02-10' FROM invoices i, payments p
         WHERE i.number = 'S-INV-1' AND p.external_id = 'S-PAY-1';
      INSERT INTO promises (invoice_id, customer_id, promised_date, amount, balance_at_promise, promised_on, grace_days, created_by)
        SELECT id, customer_id, '2026-03-10', 40000, 100000, '2026-02-20', 2, 'test' FROM invoices WHERE number = 'S-INV-1';
      INSERT INTO disputes (invoice_id, customer_id, reason, opened_by)
        SELECT id, customer_id, 'Lieferung unvollständig', 'test' FROM invoices WHERE number = 'S-INV-2';
    `);
    const loaded = await loadVariableInput(db(), 'S-1', {
      date: '2026-02-28',
      publicUrl: 'https://ar.example/',
    });
    const v = buildVariables(loaded.input);
    assert.equal(v.contact.email, 'billing@muller.example', 'billing contact before ap');
    assert.deepEqual(
      v.invoices.map((i) => [
        i.number,
        i.balance,
        i.days_overdue,
        i.promised_date,
        i.promised_amount,
        i.dispute_reason,
      ]),
      [
        ['S-INV-1', '1000.00', 40, '2026-03-10', '400.00', ''],
        ['S-INV-2', '200.00', 11, '', '', 'Lieferung unvollständig'],
        ['S-INV-3', '99.00', 4, '', '', ''],
      ],
    );
    assert.deepEqual(v.totals, [
      { currency: 'EUR', open: '1200.00', overdue: '1200.00', count: 2 },
      { currency: 'USD', open: '99.00', overdue: '99.00', count: 1 },
    ]);
    assert.equal(v.portal_url, 'https://ar.example/portal');
    assert.equal(v.invoices[0]!.pdf_url, 'https://ar.example/portal/invoices/S-INV-1.pdf');
    // before the payment, S-INV-1 is open in full
    const earlier = buildVariables(
      (await loadVariableInput(db(), 'S-1', { date: '2026-02-09', publicUrl: 'https://ar.example' })).input,
    );
    assert.equal(earlier.invoices.find((i) => i.number === 'S-INV-1')?.balance, '1500.00');
    const template = await resolveTemplate(
      db(),
      'past-due',
      loaded.customerLanguage,
      loaded.organisationLanguage,
    );
    const message = await renderMessage(template!, v);
    assert.equal(message.subject, 'Zahlungserinnerung: 3 Rechnungen sind überfällig');
    assert.match(message.text, /S-INV-1\s+19\. Januar 2026\s+1\.500,00\s€\s+1\.000,00\s€\s+40/);

    const statementInput = await loadStatementPdfInput(db(), 'S-1', { from: '2026-02-01', to: '2026-02-28' });
    assert.equal(statementInput.language, 'de');
    const eur = statementInput.statement.sections.find((s) => s.currency === 'EUR')!;
    assert.equal(eur.openingBalance, 150000);
    assert.equal(eur.closingBalance, 120000);
    assert.deepEqual(
      eur.lines.map((l) => `${l.kind}:${l.reference}:${l.balance}`),
      ['invoice:S-INV-2:170000', 'payment:Überweisung 0815:120000'],
    );
  });

  it('stores an imported invoice PDF and attaches it instead of a rendered copy', async () => {
    const rendered = await invoicePdf(db(), 'S-INV-2', '2026-02-28');
    assert.equal(rendered.origin, 'rendered');
    assert.equal(inspectPdf(rendered.bytes).pages, 1);
    const original = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.from([0, 1, 2, 255, 254, 0]),
      Buffer.from('\n%%EOF\n'),
    ]);
    const saved = await saveInvoiceDocument(db(), 'S-INV-2', 'S-INV-2.pdf', original);
    assert.equal(saved.changed, true);
    assert.equal((await saveInvoiceDocument(db(), 'S-INV-2', 'S-INV-2.pdf', original)).changed, false);
    const stored = await loadInvoiceDocument(db(), 'S-INV-2');
    assert.ok(stored?.bytes.equals(original), 'bytes differ after the round trip');
    assert.equal(stored?.sha256, saved.sha256);
    const attached = await invoicePdf(db(), 'S-INV-2', '2026-02-28');
    assert.equal(attached.origin, 'imported');
    assert.ok(attached.bytes.equals(original));
    await assert.rejects(saveInvoiceDocument(db(), 'S-INV-2', 'x.pdf', Buffer.from('hello')), /not a PDF/);
  });
});
