/**
 * Header injection (issue 8, security suite): text that comes from data or from the caller
 * never becomes an HTTP response header of its own. Invoice numbers are imported from ERPs and
 * can hold anything, and they name the PDF downloads (Content-Disposition) of the API and the
 * portal; a request id given by the caller is echoed only when it is a plain token.
 *
 * Outgoing mail is covered where it is built: test/messages/sender.test.ts sends a message
 * whose customer name, contact address, subject and organisation name all carry
 * "\r\nBcc: …\r\nX-Injected: yes", and asserts the SMTP sink received no such header;
 * test/messages/sender-system-mail.test.ts does the same for workspace mail.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { linkPath } from '../portal/support.ts';
import { describeEachEngine } from '../support/db.ts';

const HOSTILE_NUMBERS = [
  'X"\r\nSet-Cookie: evil=1',
  'Y\nX-Injected: yes',
  '../../etc/passwd',
  'Z\u0001\u0085\u2028end',
  'Ω"; filename=evil.exe',
  `${'x'.repeat(300)}.exe`,
];

/** The header is ASCII without controls, and its plain filename is a safe token. */
function assertCleanDisposition(value: unknown, label: string): void {
  assert.equal(typeof value, 'string', `${label}: no content-disposition`);
  const header = value as string;
  assert.ok(
    ![...header].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e),
    `${label}: ${JSON.stringify(header)}`,
  );
  assert.match(header, /^attachment; filename="[A-Za-z0-9][A-Za-z0-9._-]*"/, `${label}: ${header}`);
  assert.equal(header.match(/"/g)?.length, 2, `${label}: ${header}`);
}

describeEachEngine('no header injection through data or requests', (db) => {
  let app: FastifyInstance;
  let auth: string;
  let portal: string;

  before(async () => {
    const [customer] = await db().query<{ id: number }>(
      `INSERT INTO customers (external_id, name, currency) VALUES ('C-1', 'Alpha', 'EUR') RETURNING id`,
    );
    const [contact] = await db().query<{ id: number }>(
      `INSERT INTO contacts (external_id, customer_id, name, email) VALUES ('P-1', $1, 'Anna', 'anna@alpha.test') RETURNING id`,
      [customer!.id],
    );
    for (const [i, number] of HOSTILE_NUMBERS.entries()) {
      await db().execute(
        `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
         VALUES ($1, $2, $3, '2026-02-01', '2026-03-01', 'EUR', 10000)`,
        [`E-${i}`, customer!.id, number],
      );
    }
    app = await buildServer({ db: db(), clock: fixedClock('2026-03-15T10:00:00Z') });
    auth = `Bearer ${(await createApiKey(db(), 'headers')).key}`;
    portal = await linkPath(db(), customer!.id, contact!.id);
  });
  after(async () => {
    await app.close();
  });

  it('API PDF downloads name hostile invoice numbers safely', async () => {
    for (const [i, number] of HOSTILE_NUMBERS.entries()) {
      const r = await app.inject({ url: `/api/v1/invoices/E-${i}/pdf`, headers: { authorization: auth } });
      assert.equal(r.statusCode, 200, `${JSON.stringify(number)}: ${r.body.slice(0, 200)}`);
      assertCleanDisposition(r.headers['content-disposition'], JSON.stringify(number));
      assert.equal(r.headers['set-cookie'], undefined);
      assert.equal(r.headers['x-injected'], undefined);
    }
  });

  it('portal PDF downloads name hostile invoice numbers safely', async () => {
    for (const number of HOSTILE_NUMBERS) {
      const r = await app.inject({ url: `${portal}/invoices/${encodeURIComponent(number)}.pdf` });
      assert.equal(r.statusCode, 200, `${JSON.stringify(number)}: ${r.statusCode}`);
      assertCleanDisposition(r.headers['content-disposition'], JSON.stringify(number));
      assert.equal(r.headers['set-cookie'], undefined);
      assert.equal(r.headers['x-injected'], undefined);
    }
    const statement = await app.inject({ url: `${portal}/statement.pdf` });
    assert.equal(statement.statusCode, 200);
    assertCleanDisposition(statement.headers['content-disposition'], 'statement');
  });

  it('a request id is echoed only when it is a plain token', async () => {
    const plain = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-42.a:b' } });
    assert.equal(plain.headers['x-request-id'], 'req-42.a:b');
    for (const given of ['a b', 'a;b=c', '<script>', 'x'.repeat(65), 'ü', 'a,Set-Cookie: x=1']) {
      const r = await app.inject({ url: '/healthz', headers: { 'x-request-id': given } });
      assert.notEqual(r.headers['x-request-id'], given);
      assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    }
  });

  it('the raw-message download takes a numeric id only', async () => {
    const r = await app.inject({
      url: `/api/v1/messages/${encodeURIComponent('1"\r\nSet-Cookie: a=b')}/raw`,
      headers: { authorization: auth },
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.headers['content-disposition'], undefined);
    assert.equal(r.headers['set-cookie'], undefined);
  });
});
