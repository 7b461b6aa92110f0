// Portal security (issue 6, "Security"): customer A's link never shows or changes anything of
// customer B on any route; tampered, expired and revoked tokens are refused; CSRF is enforced
// on every POST; link requests are rate-limited; uploads are checked by type and size.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { revokePortalLinks } from '../../src/portal/keys.ts';
import { describeEachEngine } from '../support/db.ts';
import { csrfOf, linkPath, multipart, portalServer, postForm, type Seeded, seedPortal } from './support.ts';

/** Everything customer B owns that a portal action could change, as one comparable snapshot. */
async function snapshotOf(db: () => import('../../src/platform/db/index.ts').Db, customerId: number) {
  const q = (sql: string) => db().query(sql, [customerId]);
  return {
    invoices: await q(
      'SELECT number, open_balance, disputed, status FROM invoices WHERE customer_id = $1 ORDER BY id',
    ),
    promises: await q('SELECT id FROM promises WHERE customer_id = $1'),
    disputes: await q('SELECT id FROM disputes WHERE customer_id = $1'),
    notes: await q('SELECT id FROM notes WHERE customer_id = $1'),
    tasks: await q('SELECT id FROM tasks WHERE customer_id = $1'),
    outbox: await q('SELECT id FROM outbox_messages WHERE customer_id = $1'),
    uploads: await q('SELECT id FROM portal_uploads WHERE customer_id = $1'),
    timeline: await q('SELECT id FROM audit_log WHERE customer_id = $1'),
  };
}

const PDF = Buffer.from('%PDF-1.4\n% test remittance\n');

describeEachEngine('portal security', (db) => {
  let app: FastifyInstance;
  let seeded: Seeded;
  let aBase: string;
  let bBase: string;
  let aCsrf: string;
  let bCsrf: string;

  before(async () => {
    seeded = await seedPortal(db());
    app = await portalServer(db());
    aBase = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    bBase = await linkPath(db(), seeded.b.id, seeded.b.contactId);
    aCsrf = csrfOf((await app.inject({ url: aBase })).body);
    bCsrf = csrfOf((await app.inject({ url: bBase })).body);
  });
  after(async () => {
    await app.close();
  });

  it("A's link never shows or changes B's data, on every route", async () => {
    const before = await snapshotOf(db, seeded.b.id);
    const page = await app.inject({ url: aBase });
    assert.ok(!page.body.includes('B-1') && !page.body.includes('Beta'), "A's page names nothing of B");

    const pdf = await app.inject({ url: `${aBase}/invoices/B-1.pdf` });
    assert.equal(pdf.statusCode, 404);
    assert.notEqual(pdf.headers['content-type'], 'application/pdf');

    const posts: [string, Record<string, string | string[]>][] = [
      ['promise', { invoice: 'B-1', date: '2026-03-20' }],
      ['dispute', { invoice: 'B-1', reason: 'Already paid' }],
      ['note', { invoice: 'B-1', note: 'sneaky' }],
      ['pay', { pay: ['B-1'], all: '0' }],
    ];
    for (const [path, fields] of posts) {
      const res = await postForm(app, `${aBase}/${path}`, { csrf: aCsrf, ...fields });
      assert.equal(res.statusCode, 422, `${path}: ${res.statusCode}`);
      assert.ok(!res.body.includes('B-1'), `${path} answer names nothing of B`);
    }
    for (const kind of ['invoice_copy', 'remittance']) {
      const body = multipart(
        { csrf: aCsrf, kind, invoice: 'B-1' },
        { name: 'r.pdf', type: 'application/pdf', bytes: PDF },
      );
      const res = await app.inject({
        method: 'POST',
        url: `${aBase}/documents`,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      });
      assert.equal(res.statusCode, 422, `documents ${kind}`);
    }
    // A contact id of B inside a link of A is never used (the link is for A, the contact is not A's)
    const mixed = await linkPath(db(), seeded.a.id, seeded.b.contactId);
    const mixedPage = await app.inject({ url: mixed });
    assert.equal(mixedPage.statusCode, 200);
    assert.ok(!mixedPage.body.includes('Bernd'), "B's contact is not greeted on A's page");
    const note = await postForm(app, `${mixed}/note`, {
      csrf: csrfOf(mixedPage.body),
      invoice: 'A-1',
      note: 'from mixed link',
    });
    assert.equal(note.statusCode, 200);
    const [row] = await db().query<{ author: string }>(
      `SELECT author FROM notes WHERE body = 'from mixed link'`,
    );
    assert.equal(row!.author, 'portal:customer C-A', 'the foreign contact is not the actor');

    assert.deepEqual(await snapshotOf(db, seeded.b.id), before, 'nothing of B changed');
  });

  it('refuses tampered tokens: every field, the signature, an unknown key', async () => {
    const token = aBase.slice('/portal/'.length);
    const parts = token.split('.');
    const variants: string[] = [];
    // another customer, contact, issue time, expiry or key id with the original signature
    variants.push([String(seeded.b.id), ...parts.slice(1)].join('.'));
    variants.push([parts[0], '999', ...parts.slice(2)].join('.'));
    variants.push([...parts.slice(0, 2), String(Number(parts[2]) - 1), ...parts.slice(3)].join('.'));
    variants.push([...parts.slice(0, 3), String(Number(parts[3]) + 86400), ...parts.slice(4)].join('.'));
    variants.push([...parts.slice(0, 4), 'kunknown', parts[5]].join('.'));
    const sig = parts[5]!;
    variants.push([...parts.slice(0, 5), (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.'));
    variants.push([...parts.slice(0, 5), sig.slice(0, -1)].join('.'));
    variants.push('not-a-token', `${token}.extra`, '');
    for (const v of variants) {
      const res = await app.inject({ url: `/portal/${v}` });
      assert.ok([404].includes(res.statusCode), `${v}: ${res.statusCode}`);
      assert.ok(!res.body.includes('A-1') && !res.body.includes('B-1'), `${v} shows no invoice`);
      const post = await postForm(app, `/portal/${v}/note`, { csrf: aCsrf, invoice: 'A-1', note: 'x' });
      assert.ok(post.statusCode === 403 || post.statusCode === 404, `${v} POST: ${post.statusCode}`);
      const pdf = await app.inject({ url: `/portal/${v}/invoices/A-1.pdf` });
      assert.notEqual(pdf.headers['content-type'], 'application/pdf');
    }
  });

  it('refuses expired and revoked tokens on pages, downloads and posts', async () => {
    const expired = await linkPath(db(), seeded.a.id, seeded.a.contactId, {
      now: '2026-01-01T00:00:00Z',
      expiresAt: '2026-03-15T10:00:00Z', // expires exactly at "now": no longer valid
    });
    for (const url of [expired, `${expired}/statement.pdf`, `${expired}/invoices/A-1.pdf`]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 410, url);
      assert.notEqual(res.headers['content-type'], 'application/pdf');
    }
    const expiredNote = await postForm(app, `${expired}/note`, { csrf: aCsrf, invoice: 'A-1', note: 'late' });
    assert.equal(expiredNote.statusCode, 403);

    const customerC = await db().query<{ id: number }>(
      `INSERT INTO customers (external_id, name) VALUES ('C-C', 'Gamma') RETURNING id`,
    );
    const cId = customerC[0]!.id;
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('C-9', $1, 'C-9', '2026-02-01', '2026-03-01', 'EUR', 1000)`,
      [cId],
    );
    const cLink = await linkPath(db(), cId, 0, { now: '2026-03-15T09:00:00Z' });
    assert.equal((await app.inject({ url: cLink })).statusCode, 200);
    await revokePortalLinks(db(), cId, 'user:admin', new Date('2026-03-15T09:30:00Z'));
    const revoked = await app.inject({ url: cLink });
    assert.equal(revoked.statusCode, 410);
    assert.ok(!revoked.body.includes('C-9'));
    assert.equal((await app.inject({ url: `${cLink}/invoices/C-9.pdf` })).statusCode, 410);
  });

  it('enforces CSRF on every POST: missing, foreign (another link) and cross-origin posts change nothing', async () => {
    const before = await snapshotOf(db, seeded.a.id);
    const routes: [string, Record<string, string>][] = [
      ['promise', { invoice: 'A-2', date: '2026-03-20' }],
      ['dispute', { invoice: 'A-3', reason: 'Already paid' }],
      ['note', { invoice: 'A-1', note: 'csrf?' }],
      ['pay', { all: '1' }],
    ];
    for (const [path, fields] of routes) {
      for (const csrf of [undefined, bCsrf, 'A'.repeat(43)]) {
        const res = await postForm(app, `${aBase}/${path}`, csrf ? { csrf, ...fields } : fields);
        assert.equal(res.statusCode, 403, `${path} with csrf ${csrf}`);
        assert.match(res.body, /This form has expired or did not come from this page/);
      }
      const cross = await app.inject({
        method: 'POST',
        url: `${aBase}/${path}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        payload: new URLSearchParams({ csrf: aCsrf, ...fields }).toString(),
      });
      assert.equal(cross.statusCode, 403, `${path} cross-origin`);
      const crossSite = await app.inject({
        method: 'POST',
        url: `${aBase}/${path}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': 'cross-site',
        },
        payload: new URLSearchParams({ csrf: aCsrf, ...fields }).toString(),
      });
      assert.equal(crossSite.statusCode, 403, `${path} from another site with Origin: null`);
    }
    const docs = multipart({ kind: 'tax_form' }, null);
    const noToken = await app.inject({
      method: 'POST',
      url: `${aBase}/documents`,
      headers: { 'content-type': docs.contentType },
      payload: docs.payload,
    });
    assert.equal(noToken.statusCode, 403);
    // the fresh-link form of an expired link needs its own token too
    const expired = await linkPath(db(), seeded.a.id, seeded.a.contactId, {
      now: '2026-01-01T00:00:00Z',
      expiresAt: '2026-02-01T00:00:00Z',
    });
    const noCsrf = await postForm(app, `${expired}/new-link`, { email: 'anna@alpha.example' });
    assert.equal(noCsrf.statusCode, 403);
    assert.deepEqual(await snapshotOf(db, seeded.a.id), before, 'nothing changed');
  });

  it('rate-limits fresh-link requests per address and per IP, stored in the database', async () => {
    const expired = await linkPath(db(), seeded.a.id, seeded.a.contactId, {
      now: '2026-01-01T00:00:00Z',
      expiresAt: '2026-02-01T00:00:00Z',
    });
    const csrf = csrfOf((await app.inject({ url: expired })).body);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await postForm(app, `${expired}/new-link`, { csrf, email: 'someone@unknown.example' })).statusCode,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 429], 'three per address and hour');
    const perIp: number[] = [];
    for (let i = 0; i < 8; i++) {
      perIp.push(
        (await postForm(app, `${expired}/new-link`, { csrf, email: `x${i}@unknown.example` })).statusCode,
      );
    }
    // 4 + 8 = 12 requests from one IP: the 11th and 12th are over the limit of 10 per hour
    assert.deepEqual(perIp.slice(-3), [200, 429, 429]);
    const [{ n } = { n: 0 }] = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM rate_events WHERE bucket LIKE 'link-ip:%'`,
    );
    assert.equal(n, 10);
    const stored = await db().query<{ bucket: string }>(
      `SELECT bucket FROM rate_events WHERE bucket LIKE 'link-address:%'`,
    );
    assert.ok(
      stored.every((r) => !r.bucket.includes('@')),
      'addresses are stored hashed',
    );
    const limited = await postForm(app, `${expired}/new-link`, { csrf, email: 'anna@alpha.example' });
    assert.equal(limited.statusCode, 429);
    assert.equal(
      (await db().query(`SELECT 1 FROM outbox_messages WHERE step_key = 'portal-link'`)).length,
      0,
      'a refused request queues nothing',
    );
  });

  it('checks uploads by content and size, and writes nothing for a refused file', async () => {
    const post = (file: { name: string; type: string; bytes: Buffer } | null) => {
      const body = multipart({ csrf: aCsrf, kind: 'remittance', invoice: 'A-1' }, file);
      return app.inject({
        method: 'POST',
        url: `${aBase}/documents`,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      });
    };
    const exe = await post({
      name: 'advice.pdf',
      type: 'application/pdf',
      bytes: Buffer.from('MZ\x90\x00 not a pdf'),
    });
    assert.equal(exe.statusCode, 422);
    assert.match(exe.body, /must be a PDF, PNG or JPEG/);
    const html = await post({
      name: 'advice.png',
      type: 'image/png',
      bytes: Buffer.from('<html><script>alert(1)</script>'),
    });
    assert.equal(html.statusCode, 422);
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await post({ name: 'big.pdf', type: 'application/pdf', bytes: big });
    assert.equal(tooBig.statusCode, 422);
    assert.match(tooBig.body, /larger than 5 MB/);
    const none = await post(null);
    assert.equal(none.statusCode, 422);
    const huge = await post({
      name: 'huge.pdf',
      type: 'application/pdf',
      bytes: Buffer.alloc(11 * 1024 * 1024, 0x25),
    });
    assert.equal(huge.statusCode, 413, 'a body over the hard limit is cut off before parsing');
    assert.equal((await db().query('SELECT 1 FROM portal_uploads')).length, 0);
    const jpeg = await post({
      name: 'scan.jpg',
      type: 'application/octet-stream',
      bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    });
    assert.equal(jpeg.statusCode, 200);
    const [row] = await db().query('SELECT content_type FROM portal_uploads');
    assert.deepEqual(row, { content_type: 'image/jpeg' }, 'the type comes from the bytes, not the browser');
  });
});
