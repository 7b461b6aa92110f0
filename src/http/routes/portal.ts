/**
 * The customer portal (PRODUCT §8): pages and form posts under /portal/<signed token>. No
 * login: the token names the customer, and every query is keyed by that customer's id. Forms
 * carry a CSRF token bound to the link; responses carry a strict CSP (no inline script or
 * style, no framing) and no-referrer, so the token never leaks to third parties.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../../ledger/dates.ts';
import { formatAmount, MoneyFormatError, parseAmount } from '../../ledger/money.ts';
import {
  contentDisposition,
  invoicePdf,
  loadStatementPdfInput,
  renderStatementPdf,
} from '../../messages/documents/index.ts';
import { formatDate } from '../../messages/templates/format.ts';
import { recordEvent } from '../../platform/audit.ts';
import {
  customerInvoice,
  loadAccount,
  loadContact,
  loadCustomer,
  type PortalContact,
  type PortalCustomer,
} from '../../portal/account.ts';
import {
  addInvoiceNote,
  disputeInvoice,
  type PortalContext,
  PortalInputError,
  portalActor,
  promiseToPay,
  requestDocument,
  requestFreshLink,
  type UploadedFile,
} from '../../portal/actions.ts';
import { portalLanguage, type Translate, translator } from '../../portal/i18n.ts';
import { verifyPortalToken } from '../../portal/links.ts';
import { accountPage, brandCss, type Flash, type LinkProblem, linkProblemPage } from '../../portal/pages.ts';
import { loadPortalSettings, MAX_UPLOAD_BYTES, type PortalSettings } from '../../portal/settings.ts';
import { checkCsrf, csrfToken, type PortalClaims } from '../../portal/tokens.ts';
import { effectiveConfig, paymentProviderFromSettings, refreshedSetting } from '../../settings/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';

const CSS = readFileSync(new URL('../../portal/assets/portal.css', import.meta.url), 'utf8');

/** Form bodies: small for plain forms, the upload limit plus multipart overhead for files. */
const FORM_LIMIT = 64 * 1024;
const MULTIPART_LIMIT = MAX_UPLOAD_BYTES + 256 * 1024;

interface ParsedForm {
  fields: Map<string, string[]>;
  file: UploadedFile | null;
}

function field(form: ParsedForm, name: string): string | undefined {
  return form.fields.get(name)?.[0];
}

/** Parses urlencoded and multipart bodies with the WHATWG FormData parser built into Node. */
async function parseForm(request: FastifyRequest): Promise<ParsedForm> {
  const body = request.body;
  const fields = new Map<string, string[]>();
  if (!Buffer.isBuffer(body)) return { fields, file: null };
  const contentType = String(request.headers['content-type'] ?? '');
  let data: FormData;
  try {
    data = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return { fields, file: null };
  }
  let file: UploadedFile | null = null;
  for (const [name, value] of data.entries()) {
    if (typeof value === 'string') {
      fields.set(name, [...(fields.get(name) ?? []), value]);
    } else if (name === 'file' && value.size > 0 && !file) {
      file = { fileName: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  }
  return { fields, file };
}

function clientIp(request: FastifyRequest): string {
  return request.ip || request.socket.remoteAddress || 'unknown';
}

interface Session {
  token: string;
  claims: PortalClaims;
  key: Buffer;
  customer: PortalCustomer;
  contact: PortalContact | null;
  settings: PortalSettings;
  t: Translate;
  language: ReturnType<typeof portalLanguage>;
  today: string;
  now: Date;
}

type Resolved =
  | { ok: true; session: Session }
  | {
      ok: false;
      problem: LinkProblem;
      settings: PortalSettings;
      t: Translate;
      language: ReturnType<typeof portalLanguage>;
      /** known for genuine (expired or revoked) links: they may ask for a new one */
      claims: PortalClaims | null;
      key: Buffer | null;
      customer: PortalCustomer | null;
      now: Date;
      today: string;
    };

export default async function portal(app: ApiApp, deps: AppDeps): Promise<void> {
  // deploy-time settings, then Settings saved in the workspace (re-read every 10 s)
  const currentLinks = refreshedSetting(async () => {
    const config = await effectiveConfig(deps.db);
    return { publicUrl: config.publicUrl, secretKey: config.secretKey };
  });
  const currentProvider = refreshedSetting(() => paymentProviderFromSettings(deps.db));

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: FORM_LIMIT },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: MULTIPART_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; img-src 'self' data: https:; " +
        "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'",
    );
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    // same-origin: the token in the URL never travels to another site (Stripe included)
    reply.header('referrer-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const brandVersion = (settings: PortalSettings) =>
    createHash('sha256').update(brandCss(settings)).digest('hex').slice(0, 12);

  async function resolve(token: string): Promise<Resolved> {
    const now = deps.clock.now();
    const settings = await loadPortalSettings(deps.db);
    const today = localDate(now, settings.timeZone);
    const { check, ring } = await verifyPortalToken(deps.db, token, now, await currentLinks());
    const claims = check.ok || check.reason !== 'invalid' ? check.claims : null;
    const customer = claims ? await loadCustomer(deps.db, claims.customerId) : null;
    const language = portalLanguage(customer?.language ?? settings.language);
    const t = translator(language);
    if (!check.ok || !customer || !claims) {
      return {
        ok: false,
        problem: !check.ok ? check.reason : 'invalid',
        settings,
        t,
        language,
        claims: customer ? claims : null,
        key: claims && customer ? (ring.keys.get(claims.keyId) ?? null) : null,
        customer,
        now,
        today,
      };
    }
    const contact = await loadContact(deps.db, customer.id, claims.contactId);
    return {
      ok: true,
      session: {
        token,
        claims,
        key: ring.keys.get(claims.keyId)!,
        customer,
        contact,
        settings,
        t,
        language,
        today,
        now,
      },
    };
  }

  function sendHtml(reply: FastifyReply, status: number, body: string) {
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  }

  function problemPage(
    reply: FastifyReply,
    token: string,
    r: Extract<Resolved, { ok: false }>,
    flash: Flash | null,
    status?: number,
  ) {
    const csrf = r.claims && r.key && r.problem !== 'invalid' ? csrfToken(token, r.key) : null;
    const code = status ?? (r.problem === 'invalid' ? 404 : 410);
    return sendHtml(
      reply,
      code,
      linkProblemPage(
        {
          t: r.t,
          language: r.language,
          settings: r.settings,
          brandVersion: brandVersion(r.settings),
          base: `/portal/${encodeURIComponent(token)}`,
          csrf,
        },
        r.problem,
        flash,
      ),
    );
  }

  async function renderAccount(reply: FastifyReply, s: Session, flash: Flash | null, status = 200) {
    const account = await loadAccount(deps.db, s.customer, s.contact, s.today);
    return sendHtml(
      reply,
      status,
      accountPage(
        {
          t: s.t,
          language: s.language,
          settings: s.settings,
          base: `/portal/${s.token}`,
          csrf: csrfToken(s.token, s.key),
          brandVersion: brandVersion(s.settings),
        },
        { account, canPayOnline: (await currentProvider()) !== null, flash, today: s.today },
      ),
    );
  }

  function context(s: Session): PortalContext {
    return { customer: s.customer, contact: s.contact, settings: s.settings, today: s.today, now: s.now };
  }

  /**
   * A cross-site post is refused before the CSRF token is even looked at: browsers say where a
   * request comes from in Sec-Fetch-Site (and Origin). Clients that send neither (curl, tests)
   * still need the link's CSRF token.
   */
  async function sameOrigin(request: FastifyRequest): Promise<boolean> {
    const site = request.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
    const origin = request.headers.origin;
    if (!origin || origin === 'null') return true;
    try {
      const from = new URL(origin);
      return (
        from.host === request.headers.host || from.origin === new URL((await currentLinks()).publicUrl).origin
      );
    } catch {
      return false;
    }
  }

  type Action = (
    s: Session,
    form: ParsedForm,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<unknown>;

  /** Resolves the link, checks origin and CSRF, runs the action, turns refusals into the page. */
  function post(path: string, action: Action, bodyLimit = FORM_LIMIT) {
    app.post<{ Params: { token: string } }>(
      `/portal/:token/${path}`,
      { schema: { hide: true }, bodyLimit },
      async (request, reply) => {
        const token = request.params.token;
        const resolved = await resolve(token);
        if (!resolved.ok) return problemPage(reply, token, resolved, null, 403);
        const s = resolved.session;
        const form = await parseForm(request);
        if (!(await sameOrigin(request)) || !checkCsrf(token, s.key, field(form, 'csrf'))) {
          return renderAccount(reply, s, { kind: 'error', text: s.t('errCsrf') }, 403);
        }
        try {
          return await action(s, form, request, reply);
        } catch (err) {
          if (err instanceof PortalInputError) {
            return renderAccount(reply, s, { kind: 'error', text: s.t(err.key, err.values) }, 422);
          }
          throw err;
        }
      },
    );
  }

  app.get('/portal/assets/portal.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS),
  );
  app.get('/portal/assets/brand.css', { schema: { hide: true } }, async (_request, reply) => {
    const settings = await loadPortalSettings(deps.db);
    return reply
      .header('cache-control', 'public, max-age=300')
      .type('text/css; charset=utf-8')
      .send(brandCss(settings));
  });

  app.get<{ Params: { token: string }; Querystring: { paid?: string; cancelled?: string } }>(
    '/portal/:token',
    { schema: { hide: true } },
    async (request, reply) => {
      const resolved = await resolve(request.params.token);
      if (!resolved.ok) return problemPage(reply, request.params.token, resolved, null);
      const s = resolved.session;
      const q = request.query ?? {};
      const flash: Flash | null =
        q.paid !== undefined
          ? { kind: 'ok', text: s.t('paySuccess') }
          : q.cancelled !== undefined
            ? { kind: 'ok', text: s.t('payCancelled') }
            : null;
      return renderAccount(reply, s, flash);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/portal/:token/statement.pdf',
    { schema: { hide: true } },
    async (request, reply) => {
      const resolved = await resolve(request.params.token);
      if (!resolved.ok) return problemPage(reply, request.params.token, resolved, null);
      const s = resolved.session;
      const bytes = await renderStatementPdf(
        await loadStatementPdfInput(deps.db, s.customer.externalId, { to: s.today }),
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="statement-${s.today}.pdf"`)
        .send(bytes);
    },
  );

  app.get<{ Params: { token: string; file: string } }>(
    '/portal/:token/invoices/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const resolved = await resolve(request.params.token);
      if (!resolved.ok) return problemPage(reply, request.params.token, resolved, null);
      const s = resolved.session;
      const file = request.params.file;
      const number = file.endsWith('.pdf') ? file.slice(0, -4) : file;
      const invoice = await customerInvoice(deps.db, s.customer.id, number);
      if (!invoice) return renderAccount(reply, s, { kind: 'error', text: s.t('errInvoice') }, 404);
      const pdf = await invoicePdf(deps.db, invoice.number, s.today);
      // the same safe name as the API's download (test/security/header-injection.test.ts)
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(pdf.fileName))
        .send(pdf.bytes);
    },
  );

  post('promise', async (s, form, _request, reply) => {
    const done = await promiseToPay(deps.db, context(s), {
      invoice: field(form, 'invoice'),
      date: field(form, 'date'),
      amount: field(form, 'amount'),
    });
    return renderAccount(reply, s, {
      kind: 'ok',
      text: s.t('promiseDone', { number: done.number, date: formatDate(done.date, s.language, 'medium') }),
    });
  });

  post('dispute', async (s, form, _request, reply) => {
    const done = await disputeInvoice(deps.db, context(s), {
      invoice: field(form, 'invoice'),
      reason: field(form, 'reason'),
      note: field(form, 'note'),
    });
    return renderAccount(reply, s, { kind: 'ok', text: s.t('disputeDone', { number: done.number }) });
  });

  post('note', async (s, form, _request, reply) => {
    const done = await addInvoiceNote(deps.db, context(s), {
      invoice: field(form, 'invoice'),
      note: field(form, 'note'),
    });
    return renderAccount(reply, s, { kind: 'ok', text: s.t('noteDone', { number: done.number }) });
  });

  post(
    'documents',
    async (s, form, _request, reply) => {
      const outcome = await requestDocument(
        deps.db,
        context(s),
        { kind: field(form, 'kind'), invoice: field(form, 'invoice'), message: field(form, 'message') },
        form.file,
      );
      const base = `/portal/${s.token}`;
      const flash: Flash =
        outcome.kind === 'invoice_copy'
          ? {
              kind: 'ok',
              text: s.t('docReady'),
              download: {
                href: `${base}/invoices/${encodeURIComponent(outcome.number)}.pdf`,
                label: s.t('downloadPdf', { number: outcome.number }),
              },
            }
          : outcome.kind === 'statement'
            ? {
                kind: 'ok',
                text: s.t('docReady'),
                download: { href: `${base}/statement.pdf`, label: s.t('downloadStatement') },
              }
            : outcome.kind === 'remittance'
              ? { kind: 'ok', text: s.t('docUploaded', { file: outcome.fileName }) }
              : { kind: 'ok', text: s.t('docDone') };
      return renderAccount(reply, s, flash);
    },
    MULTIPART_LIMIT,
  );

  post('pay', async (s, form, request, reply) => {
    const provider = await currentProvider();
    if (!provider) throw new PortalInputError('payUnavailable');
    const account = await loadAccount(deps.db, s.customer, s.contact, s.today);
    const chosen =
      field(form, 'all') === '1'
        ? account.open.map((i) => i.number)
        : [...new Set(form.fields.get('pay') ?? [])];
    if (chosen.length === 0) throw new PortalInputError('errNothingSelected');
    const byNumber = new Map(account.open.map((i) => [i.number, i]));
    const lines: { invoiceId: number; number: string; amount: number }[] = [];
    let currency: string | null = null;
    for (const number of chosen) {
      const invoice = byNumber.get(number);
      if (!invoice) throw new PortalInputError('errInvoice');
      currency ??= invoice.currency;
      if (invoice.currency !== currency) throw new PortalInputError('payOneCurrency');
      let amount = invoice.openBalance;
      const given = field(form, `amount_${number}`)?.trim();
      if (
        field(form, 'all') !== '1' &&
        given &&
        given !== formatAmount(invoice.openBalance, invoice.currency)
      ) {
        if (!s.settings.partialPayments) throw new PortalInputError('errPartial');
        try {
          amount = parseAmount(given, invoice.currency);
        } catch (err) {
          if (err instanceof MoneyFormatError) throw new PortalInputError('errAmount');
          throw err;
        }
        if (amount <= 0 || amount > invoice.openBalance) throw new PortalInputError('errAmount');
      }
      lines.push({ invoiceId: invoice.id, number: invoice.number, amount });
    }
    const back = `${(await currentLinks()).publicUrl}/portal/${s.token}`;
    let checkout: { url: string; sessionId: string };
    try {
      checkout = await provider.createCheckout({
        customerId: s.customer.id,
        customerName: s.customer.name,
        email: s.contact?.email ?? null,
        currency: currency!,
        lines,
        successUrl: `${back}?paid=1`,
        cancelUrl: `${back}?cancelled=1`,
        language: s.language,
      });
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'payment provider: checkout failed');
      return renderAccount(reply, s, { kind: 'error', text: s.t('payUnavailable') }, 502);
    }
    await recordEvent(deps.db, {
      actor: portalActor(s),
      customerId: s.customer.id,
      action: 'portal.checkout_started',
      entity: 'customer',
      entityId: s.customer.externalId,
      data: {
        provider: provider.name,
        session: checkout.sessionId,
        currency,
        invoices: lines.map((l) => ({ invoice: l.number, amount: formatAmount(l.amount, currency!) })),
      },
    });
    return reply.redirect(checkout.url, 303);
  });

  app.post<{ Params: { token: string } }>(
    '/portal/:token/new-link',
    { schema: { hide: true }, bodyLimit: FORM_LIMIT },
    async (request, reply) => {
      const token = request.params.token;
      const resolved = await resolve(token);
      if (resolved.ok) return reply.redirect(`/portal/${token}`, 303);
      const form = await parseForm(request);
      if (!resolved.claims || !resolved.key || resolved.problem === 'invalid') {
        return problemPage(reply, token, resolved, null, 403);
      }
      if (!(await sameOrigin(request)) || !checkCsrf(token, resolved.key, field(form, 'csrf'))) {
        return problemPage(reply, token, resolved, { kind: 'error', text: resolved.t('errCsrf') }, 403);
      }
      const answer = await requestFreshLink(deps.db, {
        customerId: resolved.claims.customerId,
        email: field(form, 'email'),
        ip: clientIp(request),
        now: resolved.now,
        today: resolved.today,
        language: resolved.language,
      });
      if (answer === 'limited') {
        return problemPage(
          reply,
          token,
          resolved,
          { kind: 'error', text: resolved.t('linkRateLimited') },
          429,
        );
      }
      return problemPage(reply, token, resolved, { kind: 'ok', text: resolved.t('linkRequestDone') }, 200);
    },
  );
}
