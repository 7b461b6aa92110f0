// /api/v1/templates: list, read, save with problems pinpointed, preview a draft with real data.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachEngine } from '../support/db.ts';
import { type TestApi, testApi } from './support.ts';

type Problem = { part: string; line: number; column: number; reason: string };

describeEachEngine('http templates', (db) => {
  let api: TestApi;
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, language) VALUES ('C1', 'Müller & Söhne GmbH', 'de');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance)
      SELECT 'INV-7', id, 'INV-7', '2026-01-01', '2026-01-31', 'EUR', 123450, 123450 FROM customers;`);
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  it('lists the shipped defaults and reads one', async () => {
    const list = (await api.get('/api/v1/templates')).json as {
      items: { key: string; language: string; origin: string }[];
    };
    assert.equal(list.items.length, 40);
    assert.ok(list.items.some((t) => t.key === 'past-due' && t.language === 'de' && t.origin === 'default'));
    const one = await api.get('/api/v1/templates/past-due/de');
    assert.equal(one.status, 200);
    assert.equal((one.json as { format: string }).format, 'mjml');
    assert.equal((await api.get('/api/v1/templates/past-due/xx')).status, 404);
  });

  it('refuses a template with an unknown variable, naming part, line and column; saves nothing', async () => {
    const r = await api.send('PUT', '/api/v1/templates/reminder/en', {
      subject: 'Reminder',
      format: 'html',
      body: '<p>Hello</p>\n<p>{{ customer.nmae }}</p>',
      text: null,
    });
    assert.equal(r.status, 422, r.body);
    const details = (r.json as { error: { details: Problem[] } }).error.details;
    assert.equal(details[0]?.part, 'html');
    assert.equal(details[0]?.line, 2);
    assert.ok((details[0]?.column ?? 0) > 1);
    const [row] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM templates');
    assert.equal(row?.n, 0);
  });

  it('saves a new version and previews a draft with the customer’s data', async () => {
    const saved = await api.send('PUT', '/api/v1/templates/reminder/en', {
      subject: 'Reminder for {{ customer.name }}',
      format: 'html',
      body: '<p>{% for invoice in invoices %}{{ invoice.number }} {% endfor %}</p>',
      text: null,
    });
    assert.equal(saved.status, 200, saved.body);
    assert.equal((saved.json as { version: number }).version, 1);
    const preview = await api.send('POST', '/api/v1/templates/reminder/en/preview', {
      customer: 'C1',
      date: '2026-03-01',
      source: {
        subject: 'Hallo {{ customer.name }}',
        format: 'html',
        body: '<p>{{ invoices[0].number }}</p>',
        text: null,
      },
    });
    assert.equal(preview.status, 200, preview.body);
    const rendered = preview.json as { subject: string; html: string; text: string };
    assert.equal(rendered.subject, 'Hallo Müller & Söhne GmbH');
    assert.match(rendered.text, /INV-7/);
    const unknown = await api.send('POST', '/api/v1/templates/reminder/en/preview', { customer: 'NOPE' });
    assert.equal(unknown.status, 404);
  });
});
