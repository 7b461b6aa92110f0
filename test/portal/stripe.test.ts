// The payment-provider port with its Stripe Checkout adapter: the contract (checkout
// requests, verified webhook events on recorded payloads signed with Stripe's documented
// scheme — no network), the pay form through a local fake of Stripe's API, and the webhook
// endpoint's effects on a real database (recorded once, applied to exactly the paid invoices).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import {
  decodeInvoiceMetadata,
  encodeInvoiceMetadata,
  type PaymentProvider,
  WebhookSignatureError,
} from '../../src/payments/provider/port.ts';
import { stripeProvider } from '../../src/payments/provider/stripe.ts';
import { describeEachEngine } from '../support/db.ts';
import { csrfOf, linkPath, portalServer, postForm, type Seeded, seedPortal } from './support.ts';

const WEBHOOK_SECRET = 'whsec_dunwell_test_0123456789abcdef';
const stripeSdk = new Stripe('sk_test_unused');

function fixture(name: string): Record<string, unknown> & { data: { object: Record<string, unknown> } } {
  return JSON.parse(readFileSync(new URL(`./fixtures/stripe/${name}.json`, import.meta.url), 'utf8'));
}

/** A recorded event with Dunwell's metadata filled in, serialised and signed as Stripe does. */
function signed(
  name: string,
  patch: (event: ReturnType<typeof fixture>) => void = () => {},
  options: { secret?: string; timestamp?: number } = {},
): { body: string; signature: string } {
  const event = fixture(name);
  patch(event);
  const body = JSON.stringify(event, null, 2);
  const signature = stripeSdk.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return { body, signature };
}

/** A stand-in for api.stripe.com that answers Checkout Session creation and records requests. */
async function fakeStripeApi(): Promise<{
  url: string;
  requests: URLSearchParams[];
  close(): Promise<void>;
}> {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/checkout/sessions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no route ${req.url}` } }));
        return;
      }
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push(params);
      const id = `cs_test_${requests.length}`;
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
      res.end(
        JSON.stringify({
          id,
          object: 'checkout.session',
          url: `https://checkout.stripe.com/c/pay/${id}`,
          mode: 'payment',
          payment_status: 'unpaid',
          metadata: Object.fromEntries(
            [...params.entries()]
              .filter(([k]) => k.startsWith('metadata['))
              .map(([k, v]) => [k.slice('metadata['.length, -1), v]),
          ),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('payment provider contract: stripe', () => {
  let api: Awaited<ReturnType<typeof fakeStripeApi>>;
  let provider: PaymentProvider;
  before(async () => {
    api = await fakeStripeApi();
    const url = new URL(api.url);
    provider = stripeProvider({
      secretKey: 'sk_test_dunwell',
      webhookSecret: WEBHOOK_SECRET,
      client: { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 },
    });
  });
  after(async () => {
    await api.close();
  });

  it('creates a checkout for exactly the given invoices and amounts and returns its page', async () => {
    const checkout = await provider.createCheckout({
      customerId: 7,
      customerName: 'Alpha Bau AG',
      email: 'anna@alpha.example',
      currency: 'EUR',
      lines: [
        { invoiceId: 11, number: 'A-1', amount: 100000 },
        { invoiceId: 12, number: 'A-2', amount: 5000 },
      ],
      successUrl: 'http://127.0.0.1:3000/portal/t?paid=1',
      cancelUrl: 'http://127.0.0.1:3000/portal/t?cancelled=1',
      language: 'de',
    });
    assert.deepEqual(checkout, {
      url: 'https://checkout.stripe.com/c/pay/cs_test_1',
      sessionId: 'cs_test_1',
    });
    const sent = api.requests[0]!;
    assert.equal(sent.get('mode'), 'payment');
    assert.equal(sent.get('line_items[0][price_data][currency]'), 'eur');
    assert.equal(sent.get('line_items[0][price_data][unit_amount]'), '100000');
    assert.equal(sent.get('line_items[0][price_data][product_data][name]'), 'Invoice A-1');
    assert.equal(sent.get('line_items[1][price_data][unit_amount]'), '5000');
    assert.equal(sent.get('metadata[dunwell_customer]'), '7');
    assert.equal(sent.get('metadata[dunwell_inv0]'), '11:100000,12:5000');
    assert.equal(sent.get('payment_intent_data[metadata][dunwell_inv0]'), '11:100000,12:5000');
    assert.equal(sent.get('customer_email'), 'anna@alpha.example');
    assert.equal(sent.get('locale'), 'de');
    assert.equal(sent.get('success_url'), 'http://127.0.0.1:3000/portal/t?paid=1');
    await assert.rejects(
      provider.createCheckout({
        customerId: 7,
        customerName: 'x',
        email: null,
        currency: 'EUR',
        lines: [],
        successUrl: 'http://x/',
        cancelUrl: 'http://x/',
        language: 'en',
      }),
      /at least one invoice/,
    );
  });

  it('verifies signatures with Stripe’s scheme and translates the recorded events', () => {
    const meta = encodeInvoiceMetadata(7, [
      { invoiceId: 11, amount: 100000 },
      { invoiceId: 12, amount: 10000 },
    ]);
    const withMeta = (e: ReturnType<typeof fixture>) => {
      e.data.object.metadata = meta;
    };
    const completed = signed('checkout.session.completed', withMeta);
    const event = provider.handleWebhook(Buffer.from(completed.body), {
      'stripe-signature': completed.signature,
    });
    assert.deepEqual(event, {
      kind: 'payment_succeeded',
      eventId: 'evt_1QdWn2LkdIwHu7ixCsCompl01',
      eventType: 'checkout.session.completed',
      paymentRef: 'pi_3QdWmxLkdIwHu7ix0Q1a2b3c',
      customerId: 7,
      currency: 'EUR',
      amount: 110000,
      at: new Date('2026-03-15T10:00:00Z'),
      invoices: [
        { invoiceId: 11, amount: 100000 },
        { invoiceId: 12, amount: 10000 },
      ],
    });
    const intent = signed('payment_intent.succeeded', withMeta);
    const pi = provider.handleWebhook(Buffer.from(intent.body), { 'stripe-signature': intent.signature });
    assert.equal(pi.kind, 'payment_succeeded');
    assert.equal(
      pi.kind === 'payment_succeeded' && pi.paymentRef,
      'pi_3QdWmxLkdIwHu7ix0Q1a2b3c',
      'the same payment as the session',
    );

    const failed = signed('payment_intent.payment_failed', withMeta);
    assert.deepEqual(
      provider.handleWebhook(Buffer.from(failed.body), { 'stripe-signature': failed.signature }),
      {
        kind: 'payment_failed',
        eventId: 'evt_3QdX01LkdIwHu7ix1PiFail01',
        eventType: 'payment_intent.payment_failed',
        paymentRef: 'pi_3QdX00LkdIwHu7ix1Zz9y8x7',
        customerId: 7,
        reason: 'Your card has insufficient funds.',
      },
    );
    const refund = signed('charge.refunded');
    const refunded = provider.handleWebhook(Buffer.from(refund.body), {
      'stripe-signature': refund.signature,
    });
    assert.deepEqual(refunded, {
      kind: 'payment_refunded',
      eventId: 'evt_3QdWmxLkdIwHu7ix0ChRefd01',
      eventType: 'charge.refunded',
      paymentRef: 'pi_3QdWmxLkdIwHu7ix0Q1a2b3c',
      customerId: null,
      currency: 'EUR',
      amount: 10000,
    });
    const other = signed('customer.created');
    assert.equal(
      provider.handleWebhook(Buffer.from(other.body), { 'stripe-signature': other.signature }).kind,
      'ignored',
    );
    const unpaid = signed('checkout.session.completed', (e) => {
      withMeta(e);
      e.data.object.payment_status = 'unpaid';
    });
    assert.equal(
      provider.handleWebhook(Buffer.from(unpaid.body), { 'stripe-signature': unpaid.signature }).kind,
      'ignored',
      'a delayed payment is not money yet',
    );
  });

  it('refuses a wrong secret, a changed body, an old timestamp and a missing header', () => {
    const good = signed('checkout.session.completed');
    const wrongSecret = signed('checkout.session.completed', undefined, { secret: 'whsec_other' });
    const old = signed('checkout.session.completed', undefined, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const cases: [Buffer, Record<string, string | undefined>][] = [
      [Buffer.from(wrongSecret.body), { 'stripe-signature': wrongSecret.signature }],
      [Buffer.from(good.body.replace('"paid"', '"PAID"')), { 'stripe-signature': good.signature }],
      [Buffer.from(old.body), { 'stripe-signature': old.signature }],
      [Buffer.from(good.body), {}],
      [Buffer.from(good.body), { 'stripe-signature': 't=1,v1=00' }],
    ];
    for (const [body, headers] of cases) {
      assert.throws(() => provider.handleWebhook(body, headers), WebhookSignatureError);
    }
  });

  it('round-trips invoice metadata within Stripe’s limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.array(
          fc.record({
            invoiceId: fc.integer({ min: 1, max: 2 ** 40 }),
            amount: fc.integer({ min: 1, max: 2 ** 45 }),
          }),
          { minLength: 1, maxLength: 100 },
        ),
        (customerId, lines) => {
          const meta = encodeInvoiceMetadata(customerId, lines);
          assert.ok(Object.keys(meta).length <= 50);
          assert.ok(Object.entries(meta).every(([k, v]) => k.length <= 40 && v.length <= 500));
          const plain = lines.map((l) => ({ invoiceId: l.invoiceId, amount: l.amount }));
          assert.deepEqual(decodeInvoiceMetadata(meta), { customerId, invoices: plain });
        },
      ),
    );
    assert.equal(decodeInvoiceMetadata({ dunwell_customer: '1', dunwell_inv0: '1:0' }), null);
    assert.equal(decodeInvoiceMetadata({ dunwell_customer: '1', dunwell_inv0: '1:-5' }), null);
    assert.equal(decodeInvoiceMetadata({ order: '5' }), null);
  });
});

describeEachEngine('stripe payments through the portal and the webhook', (db) => {
  let app: FastifyInstance;
  let api: Awaited<ReturnType<typeof fakeStripeApi>>;
  let seeded: Seeded;
  let base: string;
  let csrf: string;
  const saved = { ...process.env };

  before(async () => {
    api = await fakeStripeApi();
    process.env.DUNWELL_STRIPE_SECRET_KEY = 'sk_test_dunwell';
    process.env.DUNWELL_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
    process.env.DUNWELL_STRIPE_API_URL = api.url;
    seeded = await seedPortal(db());
    app = await portalServer(db());
    base = await linkPath(db(), seeded.a.id, seeded.a.contactId);
    csrf = csrfOf((await app.inject({ url: base })).body);
  });
  after(async () => {
    await app.close();
    await api.close();
    for (const key of [
      'DUNWELL_STRIPE_SECRET_KEY',
      'DUNWELL_STRIPE_WEBHOOK_SECRET',
      'DUNWELL_STRIPE_API_URL',
    ]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const webhook = (body: string, signature?: string) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'stripe-signature': signature } : {}),
      },
      payload: body,
    });

  it('sends the chosen invoices (partial amounts allowed) to Stripe Checkout and redirects there', async () => {
    const page = (await app.inject({ url: base })).body;
    assert.match(page, /Pay selected invoices/);
    assert.ok(!page.includes('Online payment is not available'));
    const res = await postForm(app, `${base}/pay`, {
      csrf,
      pay: ['A-1', 'A-2'],
      all: '0',
      'amount_A-2': '100.00',
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `https://checkout.stripe.com/c/pay/cs_test_${api.requests.length}`);
    const sent = api.requests.at(-1)!;
    assert.equal(
      sent.get('metadata[dunwell_inv0]'),
      `${seeded.a.invoices['A-1']}:100000,${seeded.a.invoices['A-2']}:10000`,
    );
    assert.equal(sent.get('metadata[dunwell_customer]'), String(seeded.a.id));
    const [event] = await db().query<{ data: { invoices: unknown } }>(
      `SELECT data FROM audit_log WHERE action = 'portal.checkout_started' AND customer_id = $1`,
      [seeded.a.id],
    );
    assert.deepEqual(event!.data.invoices, [
      { invoice: 'A-1', amount: '1000.00' },
      { invoice: 'A-2', amount: '100.00' },
    ]);
    const count = api.requests.length;
    for (const [fields, message] of [
      [{ pay: ['A-1', 'A-3'], all: '0' }, /one currency per payment/],
      [{ pay: ['B-1'], all: '0' }, /Choose one of the invoices on this page/],
      [{ pay: ['A-2'], all: '0', 'amount_A-2': '250.01' }, /no more than the open amount/],
      [{ all: '0' }, /Select at least one open invoice/],
    ] as const) {
      const refused = await postForm(app, `${base}/pay`, { csrf, ...fields });
      assert.equal(refused.statusCode, 422, JSON.stringify(fields));
      assert.match(refused.body, message);
    }
    assert.equal(api.requests.length, count, 'a refused form never reaches Stripe');
  });

  it('records a completed checkout once, applied to exactly its invoices, closing kept promises and cancelling R6 messages', async () => {
    // a promise on A-1 and a planned reminder listing only A-1: the payment keeps the one and obsoletes the other
    await db().execute(
      `INSERT INTO promises (invoice_id, customer_id, promised_date, balance_at_promise, promised_on, grace_days, created_by)
       VALUES ($1, $2, '2026-03-20', 100000, '2026-03-10', 2, 'test')`,
      [seeded.a.invoices['A-1'], seeded.a.id],
    );
    const [message] = await db().query<{ id: number }>(
      `INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for)
       VALUES ($1, 'standard', 'past-due', 'past-due', 'en', true, '2026-03-16') RETURNING id`,
      [seeded.a.id],
    );
    await db().execute(
      `INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance) VALUES ($1, $2, 0, 'past-due', 100000)`,
      [message!.id, seeded.a.invoices['A-1']],
    );
    const meta = encodeInvoiceMetadata(seeded.a.id, [
      { invoiceId: seeded.a.invoices['A-1']!, amount: 100000 },
      { invoiceId: seeded.a.invoices['A-2']!, amount: 10000 },
    ]);
    const completed = signed('checkout.session.completed', (e) => {
      e.data.object.metadata = meta;
    });
    const first = await webhook(completed.body, completed.signature);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), {
      received: true,
      event: 'evt_1QdWn2LkdIwHu7ixCsCompl01',
      outcome: 'recorded',
    });

    const [payment] = await db().query<{
      id: number;
      source: string;
      amount: number;
      date: string;
      external_id: string;
    }>(`SELECT id, source, amount, date, external_id FROM payments WHERE customer_id = $1`, [seeded.a.id]);
    assert.deepEqual(
      { ...payment, id: undefined },
      {
        id: undefined,
        source: 'provider',
        amount: 110000,
        date: '2026-03-15',
        external_id: 'stripe:pi_3QdWmxLkdIwHu7ix0Q1a2b3c',
      },
    );
    const applied = await db().query(
      `SELECT i.number, a.amount FROM applications a JOIN invoices i ON i.id = a.invoice_id
        WHERE a.payment_id = $1 ORDER BY i.number`,
      [payment!.id],
    );
    assert.deepEqual(applied, [
      { number: 'A-1', amount: 100000 },
      { number: 'A-2', amount: 10000 },
    ]);
    const balances = await db().query(
      `SELECT number, open_balance FROM invoices WHERE customer_id = $1 ORDER BY number`,
      [seeded.a.id],
    );
    assert.deepEqual(balances, [
      { number: 'A-0', open_balance: 0 },
      { number: 'A-1', open_balance: 0 },
      { number: 'A-2', open_balance: 15000 },
      { number: 'A-3', open_balance: 8000 },
    ]);
    assert.deepEqual(
      await db().query(`SELECT status FROM promises WHERE invoice_id = $1`, [seeded.a.invoices['A-1']]),
      [{ status: 'kept' }],
    );
    assert.deepEqual(
      await db().query('SELECT status, cancel_reason FROM outbox_messages WHERE id = $1', [message!.id]),
      [{ status: 'cancelled', cancel_reason: 'paid' }],
    );
    const [recorded] = await db().query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE action = 'payment.recorded' AND customer_id = $1`,
      [seeded.a.id],
    );
    assert.equal(recorded!.actor, 'provider:stripe');

    const again = await webhook(completed.body, completed.signature);
    assert.equal(again.json().outcome, 'duplicate', 'the same event id changes nothing');
    const intent = signed('payment_intent.succeeded', (e) => {
      e.data.object.metadata = meta;
    });
    const second = await webhook(intent.body, intent.signature);
    assert.equal(second.json().outcome, 'already_recorded', 'the PaymentIntent event names the same payment');
    assert.equal(
      (await db().query('SELECT 1 FROM payments WHERE customer_id = $1', [seeded.a.id])).length,
      1,
    );
    assert.equal((await db().query(`SELECT 1 FROM applications WHERE kind = 'payment'`)).length, 2);
    const events = await db().query<{ event_id: string; outcome: string }>(
      'SELECT event_id, outcome FROM payment_provider_events ORDER BY received_at, event_id',
    );
    assert.deepEqual(events.map((e) => e.outcome).sort(), ['already_recorded', 'recorded']);
  });

  it('records refunds and failures on the timeline and rejects invoices of another customer', async () => {
    const refund = signed('charge.refunded');
    assert.equal((await webhook(refund.body, refund.signature)).json().outcome, 'timeline');
    const failed = signed('payment_intent.payment_failed', (e) => {
      e.data.object.metadata = encodeInvoiceMetadata(seeded.a.id, [
        { invoiceId: seeded.a.invoices['A-2']!, amount: 25000 },
      ]);
    });
    assert.equal((await webhook(failed.body, failed.signature)).json().outcome, 'timeline');
    const actions = await db().query<{ action: string; data: Record<string, unknown> }>(
      `SELECT action, data FROM audit_log WHERE customer_id = $1 AND action IN ('payment.refunded', 'payment.failed') ORDER BY id`,
      [seeded.a.id],
    );
    assert.deepEqual(actions, [
      { action: 'payment.refunded', data: { amount: '100.00', currency: 'EUR' } },
      { action: 'payment.failed', data: { reason: 'Your card has insufficient funds.' } },
    ]);

    const bBefore = await db().query('SELECT open_balance FROM invoices WHERE customer_id = $1', [
      seeded.b.id,
    ]);
    const foreign = signed('checkout.session.completed', (e) => {
      e.id = 'evt_foreign_invoice_0001';
      e.data.object.payment_intent = 'pi_foreign_0001';
      e.data.object.metadata = encodeInvoiceMetadata(seeded.a.id, [
        { invoiceId: seeded.b.invoices['B-1']!, amount: 50000 },
      ]);
      e.data.object.amount_total = 50000;
    });
    const res = await webhook(foreign.body, foreign.signature);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().outcome, 'rejected');
    assert.deepEqual(
      await db().query('SELECT open_balance FROM invoices WHERE customer_id = $1', [seeded.b.id]),
      bBefore,
    );
    assert.equal(
      (await db().query(`SELECT 1 FROM payments WHERE external_id = 'stripe:pi_foreign_0001'`)).length,
      0,
    );
  });

  it('answers 400 to bad signatures without writing, and rate-limits one caller', async () => {
    const good = signed('checkout.session.completed', (e) => {
      e.id = 'evt_never_applied_0001';
    });
    const bad = await webhook(
      good.body,
      good.signature.replace(/v1=([0-9a-f])/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`),
    );
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'bad_signature');
    assert.equal((await webhook(good.body)).statusCode, 400);
    assert.equal(
      (await db().query(`SELECT 1 FROM payment_provider_events WHERE event_id = 'evt_never_applied_0001'`))
        .length,
      0,
    );
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) statuses.push((await webhook('{}', 't=1,v1=00')).statusCode);
    assert.ok(statuses.includes(429), 'the 120-per-minute limit is reached');
    // the clock stands still: this suite's 8 earlier calls (3 + 3 + 2) count in the same minute
    assert.equal(statuses.filter((s) => s === 429).length, 8);
    const limited = await webhook(good.body, good.signature);
    assert.equal(limited.statusCode, 429);
    assert.ok(limited.headers['retry-after']);
  });
});
