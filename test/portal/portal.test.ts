// The customer portal through HTTP (app.inject) on a real database: what a link shows, each
// action's effects (ledger, task, outbox, timeline), documents, link problems and fresh links.
// Security cases (swapped customers, CSRF, rate limits, uploads) are in security.test.ts.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/platform/config.ts';
import { loadKeyRing, revokePortalLinks, rotatePortalKey } from '../../src/portal/keys.ts';
import { messagePortalLinks } from '../../src/portal/links.ts';
import { describeEachEngine } from '../support/db.ts';
import {
  csrfOf,
  linkPath,
  multipart,
  NOW,
  portalServer,
  postForm,
  type Seeded,
  seedPortal,
} from './support.ts';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 1),
]);

describeEachEngine('portal pages and actions', (db) => {
  let app: FastifyInstance;
  let seeded: Seeded;
  let base: string;
  let csrf: string;

  before(async () => {
    seeded = await seedPortal(db());
    app = await portalServer(db());
    base = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    const page = await app.inject({ url: base });
    csrf = csrfOf(page.body);
  });
  after(async () => {
    await app.close();
  });

  const timeline = async (action: string) =>
    db().query<{ actor: string; data: Record<string, unknown> }>(
      'SELECT actor, data FROM audit_log WHERE customer_id = $1 AND action = $2 ORDER BY id',
      [seeded.a.id, action],
    );

  it('shows open and paid invoices, totals per currency, bank details, branding and security headers', async () => {
    const res = await app.inject({ url: base });
    assert.equal(res.statusCode, 200);
    const page = res.body;
    assert.match(page, /<html lang="en">/);
    assert.match(page, /Your account with Acme Supplies GmbH/);
    for (const number of ['A-1', 'A-2', 'A-3', 'A-0']) assert.ok(page.includes(`Invoice ${number}`), number);
    assert.ok(!page.includes('B-1'), "customer B's invoice is not on A's page");
    assert.match(page, /Total open \(EUR\)<\/span> <span class="value">€1,250\.00/);
    assert.match(page, /Total open \(USD\)<\/span> <span class="value">\$80\.00/);
    assert.match(page, /of which overdue: €1,000\.00/);
    assert.match(page, /<dt>Days overdue<\/dt><dd>14<\/dd>/);
    assert.match(page, /<dt>Days overdue<\/dt><dd>34<\/dd>/);
    assert.match(page, /DE89 3704 0044 0532 0130 00/);
    assert.match(page, /<dt>Reference<\/dt><dd>A-3, A-1, A-2<\/dd>/);
    assert.match(page, /Online payment is not available/, 'without Stripe only bank transfer is offered');
    assert.ok(!/<script/i.test(page) && !/ style=/i.test(page), 'no inline script or style');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(res.headers['referrer-policy'], 'same-origin');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['cache-control'], 'no-store');
    const brand = await app.inject({ url: '/portal/assets/brand.css' });
    assert.match(brand.body, /--brand:#0b5394/);
    const css = await app.inject({ url: '/portal/assets/portal.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
  });

  it("speaks the customer's language", async () => {
    const german = await linkPath(db(), seeded.b.id, seeded.b.contactId);
    const page = (await app.inject({ url: german })).body;
    assert.match(page, /<html lang="de">/);
    assert.match(page, /Ihr Konto bei Acme Supplies GmbH/);
    assert.match(page, /500,00\s€/);
  });

  it('records a promise to pay, queues the confirmation through the outbox and puts it on the timeline', async () => {
    const res = await postForm(app, `${base}/promise`, {
      csrf,
      invoice: 'A-1',
      date: '2026-03-25',
      amount: '400.00',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /you will pay invoice A-1 by Mar 25, 2026/);
    const [promise] = await db().query(
      `SELECT promised_date, amount, status, created_by FROM promises WHERE invoice_id = $1`,
      [seeded.a.invoices['A-1']],
    );
    assert.deepEqual(promise, {
      promised_date: '2026-03-25',
      amount: 40000,
      status: 'open',
      created_by: 'portal:anna@alpha.example',
    });
    const messages = await db().query<Record<string, unknown>>(
      `SELECT m.campaign_key, m.template, m.language, m.dunning, m.planned_for, m.status, m.to_recipients,
              array_agg(mi.invoice_id::int) AS invoices
         FROM outbox_messages m JOIN outbox_message_invoices mi ON mi.message_id = m.id
        WHERE m.customer_id = $1 AND m.template = 'promise-confirmation' GROUP BY m.id`,
      [seeded.a.id],
    );
    assert.equal(messages.length, 1);
    assert.deepEqual(messages[0], {
      campaign_key: 'portal',
      template: 'promise-confirmation',
      language: 'en',
      dunning: false,
      planned_for: '2026-03-15',
      status: 'planned',
      to_recipients: [{ contactId: seeded.a.contactId, name: 'Anna Alpha', email: 'anna@alpha.example' }],
      invoices: [seeded.a.invoices['A-1']],
    });
    assert.equal((await timeline('promise.created')).length, 1);
    assert.equal((await timeline('promise.created'))[0]!.actor, 'portal:anna@alpha.example');
    const page = (await app.inject({ url: base })).body;
    assert.match(page, /Payment promised for Mar 25, 2026/);

    const again = await postForm(app, `${base}/promise`, { csrf, invoice: 'A-1', date: '2026-03-26' });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /already has a payment date/);
    const past = await postForm(app, `${base}/promise`, { csrf, invoice: 'A-2', date: '2026-03-14' });
    assert.equal(past.statusCode, 422);
    assert.match(past.body, /cannot be in the past/);
    const tooMuch = await postForm(app, `${base}/promise`, {
      csrf,
      invoice: 'A-2',
      date: '2026-03-20',
      amount: '250.01',
    });
    assert.equal(tooMuch.statusCode, 422);
    assert.equal(
      (await db().query('SELECT 1 FROM promises WHERE invoice_id = $1', [seeded.a.invoices['A-2']])).length,
      0,
    );
  });

  it('opens a dispute that pauses the invoice, creates a collector task and queues dispute-received', async () => {
    const res = await postForm(app, `${base}/dispute`, {
      csrf,
      invoice: 'A-2',
      reason: 'Wrong amount or price',
      note: 'We ordered 10, not 12.',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /We received your dispute of invoice A-2/);
    const [invoice] = await db().query('SELECT disputed FROM invoices WHERE id = $1', [
      seeded.a.invoices['A-2'],
    ]);
    assert.deepEqual(invoice, { disputed: true });
    const [dispute] = await db().query(
      `SELECT reason, note, opened_by, status FROM disputes WHERE invoice_id = $1`,
      [seeded.a.invoices['A-2']],
    );
    assert.deepEqual(dispute, {
      reason: 'Wrong amount or price',
      note: 'We ordered 10, not 12.',
      opened_by: 'portal:anna@alpha.example',
      status: 'open',
    });
    const tasks = await db().query<{ kind: string; title: string }>(
      `SELECT kind, title FROM tasks WHERE customer_id = $1 AND kind = 'dispute'`,
      [seeded.a.id],
    );
    assert.equal(tasks.length, 1);
    assert.match(tasks[0]!.title, /A-2: Wrong amount or price — We ordered 10, not 12\./);
    const queued = await db().query(
      `SELECT 1 FROM outbox_messages WHERE customer_id = $1 AND template = 'dispute-received' AND campaign_key = 'portal'`,
      [seeded.a.id],
    );
    assert.equal(queued.length, 1);
    assert.equal((await timeline('invoice.disputed')).length, 1);

    const unknownReason = await postForm(app, `${base}/dispute`, {
      csrf,
      invoice: 'A-3',
      reason: 'I just do not want to',
    });
    assert.equal(unknownReason.statusCode, 422);
    assert.match(unknownReason.body, /Choose a reason/);
    assert.deepEqual(
      await db().query('SELECT disputed FROM invoices WHERE id = $1', [seeded.a.invoices['A-3']]),
      [{ disputed: false }],
    );
  });

  it("keeps notes per invoice and shows the customer's own notes only", async () => {
    await db().execute(
      `INSERT INTO notes (customer_id, invoice_id, author, body) VALUES ($1, $2, 'user:c@acme', 'internal: slow payer')`,
      [seeded.a.id, seeded.a.invoices['A-3']],
    );
    const res = await postForm(app, `${base}/note`, {
      csrf,
      invoice: 'A-3',
      note: 'Paid by cheque on 12 March <b>',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Your note on invoice A-3 was saved/);
    assert.match(res.body, /<li>Paid by cheque on 12 March &lt;b&gt;<\/li>/);
    assert.ok(!res.body.includes('slow payer'), "a collector's note is never shown");
    const [event] = await timeline('invoice.note_added');
    assert.equal(event!.data.body, 'Paid by cheque on 12 March <b>');
    const empty = await postForm(app, `${base}/note`, { csrf, invoice: 'A-3', note: '   ' });
    assert.equal(empty.statusCode, 422);
  });

  it('serves invoice PDFs and the statement of its own customer', async () => {
    const pdf = await app.inject({ url: `${base}/invoices/A-1.pdf` });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const statement = await app.inject({ url: `${base}/statement.pdf` });
    assert.equal(statement.statusCode, 200);
    assert.equal(statement.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(
      String(statement.headers['content-disposition']),
      /attachment; filename="statement-2026-03-15\.pdf"/,
    );
  });

  it('resolves copy requests by offering the download, opens tasks for the rest, stores remittance uploads', async () => {
    const copy = multipart({ csrf, kind: 'invoice_copy', invoice: 'A-1' }, null);
    const res = await app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: { 'content-type': copy.contentType },
      payload: copy.payload,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.body.includes(`href="${base}/invoices/A-1.pdf">PDF of A-1</a>`));
    const tax = multipart({ csrf, kind: 'tax_form', invoice: '', message: 'Need your W-9 for 2026' }, null);
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: `${base}/documents`,
          headers: { 'content-type': tax.contentType },
          payload: tax.payload,
        })
      ).statusCode,
      200,
    );
    const upload = multipart(
      { csrf, kind: 'remittance', invoice: 'A-3' },
      { name: '../../advice.png', type: 'image/png', bytes: PNG },
    );
    const up = await app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: { 'content-type': upload.contentType },
      payload: upload.payload,
    });
    assert.equal(up.statusCode, 200, up.body);
    assert.match(up.body, /we received your file advice\.png/);
    const tasks = await db().query<{ title: string; status: string }>(
      `SELECT title, status FROM tasks WHERE customer_id = $1 AND kind = 'other' ORDER BY id`,
      [seeded.a.id],
    );
    assert.deepEqual(
      tasks.map((t) => t.status),
      ['done', 'open', 'open'],
    );
    assert.match(tasks[0]!.title, /copy of A-1; the download was offered/);
    assert.match(tasks[1]!.title, /W-9 or tax form .* "Need your W-9 for 2026"/);
    assert.match(tasks[2]!.title, /uploaded remittance advice advice\.png for A-3/);
    const [stored] = await db().query<{ content_type: string; size: number; file_name: string }>(
      'SELECT content_type, size, file_name FROM portal_uploads WHERE customer_id = $1',
      [seeded.a.id],
    );
    assert.deepEqual(stored, { content_type: 'image/png', size: PNG.length, file_name: 'advice.png' });
    assert.equal((await timeline('portal.document_requested')).length, 2);
    assert.equal((await timeline('portal.remittance_uploaded')).length, 1);
  });

  it('explains expired, revoked and broken links; fresh links are queued without revealing addresses', async () => {
    const expired = await linkPath(db(), seeded.a.id, seeded.a.contactId, {
      now: '2026-01-01T00:00:00Z',
      expiresAt: '2026-02-01T00:00:00Z',
    });
    const page = await app.inject({ url: expired });
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /This link has expired/);
    assert.ok(!page.body.includes('A-1'), 'an expired link shows no invoice');
    const expiredCsrf = csrfOf(page.body);

    const known = await postForm(app, `${expired}/new-link`, {
      csrf: expiredCsrf,
      email: 'ANNA@alpha.example',
    });
    const unknown = await postForm(app, `${expired}/new-link`, {
      csrf: expiredCsrf,
      email: 'bernd@beta.example',
    });
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    const said = (body: string) => /<div class="flash ok" role="status"><p>([^<]*)<\/p>/.exec(body)?.[1];
    assert.equal(said(known.body), said(unknown.body), 'the same answer whether or not the address is known');
    const queued = await db().query<{ customer_id: number; to_recipients: unknown; attach: string[] }>(
      `SELECT customer_id, to_recipients, attach FROM outbox_messages WHERE step_key = 'portal-link'`,
    );
    assert.deepEqual(queued, [
      {
        customer_id: seeded.a.id,
        to_recipients: [{ contactId: seeded.a.contactId, name: 'Anna Alpha', email: 'anna@alpha.example' }],
        attach: ['statement'],
      },
    ]);

    const tampered = `${base.slice(0, -3)}${base.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const broken = await app.inject({ url: tampered });
    assert.equal(broken.statusCode, 404);
    assert.match(broken.body, /This link does not work/);
    assert.ok(!broken.body.includes('name="email"'), 'a forged link offers no form');

    const later = NOW.replace('10:00:00', '10:00:05');
    await revokePortalLinks(db(), seeded.b.id, 'user:admin', new Date(NOW));
    const revokedLink = await linkPath(db(), seeded.b.id, seeded.b.contactId);
    const revoked = await app.inject({ url: revokedLink });
    assert.equal(revoked.statusCode, 410);
    assert.match(revoked.body, /nicht mehr gültig/);
    const laterApp = await portalServer(db(), later);
    try {
      const fresh = await linkPath(db(), seeded.b.id, seeded.b.contactId, { now: later });
      assert.equal(
        (await laterApp.inject({ url: fresh })).statusCode,
        200,
        'a link issued after the revocation works',
      );
    } finally {
      await laterApp.close();
    }
  });

  it('rotates signing keys without breaking links in date, and keeps keys across restarts', async () => {
    const { secretKey } = loadConfig();
    const before = await loadKeyRing(db(), secretKey, new Date(NOW));
    assert.deepEqual(
      (await loadKeyRing(db(), secretKey, new Date(NOW))).keys,
      before.keys,
      'the same keys on a second load',
    );
    const old = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    const newKey = await rotatePortalKey(db(), secretKey, new Date(NOW));
    assert.notEqual(newKey, before.signingKeyId);
    const fresh = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    assert.ok(fresh.includes(`.${newKey}.`), 'new links are signed with the new key');
    assert.equal(
      (await app.inject({ url: old })).statusCode,
      200,
      'a link signed with the retired key still works',
    );
    assert.equal((await app.inject({ url: fresh })).statusCode, 200);
  });

  it('gives the sender signed links for portal_url, statement_url and pdf_url', async () => {
    const links = await messagePortalLinks(db(), {
      customerId: seeded.a.id,
      contactId: seeded.a.contactId,
      now: new Date(NOW),
    });
    assert.match(
      links.portalUrl,
      /^http:\/\/127\.0\.0\.1:3000\/portal\/\d+\.\d+\.\d+\.\d+\.[a-z0-9]+\.[A-Za-z0-9_-]{43}$/,
    );
    assert.equal(links.statementUrl, `${links.portalUrl}/statement.pdf`);
    assert.equal(links.invoicePdfUrl('A 1/2'), `${links.portalUrl}/invoices/A%201%2F2.pdf`);
    assert.equal(links.expiresAt.toISOString(), '2026-04-29T10:00:00.000Z', '45 days by default');
    const res = await app.inject({ url: new URL(links.statementUrl).pathname });
    assert.equal(res.statusCode, 200);
  });
});
