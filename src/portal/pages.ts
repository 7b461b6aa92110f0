/**
 * The portal's HTML (pure: data in, markup out). One column, mobile first, no script: every
 * action is a plain form post, so it works with a keyboard, a screen reader and no
 * JavaScript. Styles come from /portal/assets/portal.css and the organisation's colours from
 * /portal/assets/brand.css (the CSP forbids inline styles and scripts). Every value goes
 * through `html`, which escapes it.
 */
import { html, type RawHtml } from '../http/html.ts';
import { formatAmount } from '../ledger/money.ts';
import { formatDate, formatMoney } from '../messages/templates/format.ts';
import type { PortalAccount, PortalInvoice } from './account.ts';
import { type DocumentKind, disputeReasons, formatBytes } from './actions.ts';
import type { PortalLanguage, Translate } from './i18n.ts';
import type { PortalSettings } from './settings.ts';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  download?: { href: string; label: string };
}

export interface PageContext {
  t: Translate;
  language: PortalLanguage;
  settings: PortalSettings;
  /** '/portal/<token>' */
  base: string;
  csrf: string;
  /** the brand stylesheet's version (changes when the colours change) */
  brandVersion: string;
}

function money(minor: number, currency: string, language: string): string {
  return formatMoney(formatAmount(minor, currency), currency, language);
}

function date(value: string, language: string): string {
  return formatDate(value, language, 'medium');
}

function layout(
  ctx: Pick<PageContext, 't' | 'language' | 'settings' | 'brandVersion'>,
  title: string,
  body: RawHtml,
): string {
  const { t, settings } = ctx;
  const brand = settings.logoUrl
    ? html`<img class="logo" src="${settings.logoUrl}" alt="${settings.organisationName}">`
    : html`<span class="org">${settings.organisationName}</span>`;
  return `<!doctype html>
${
  html`<html lang="${ctx.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="/portal/assets/portal.css">
<link rel="stylesheet" href="/portal/assets/brand.css?v=${ctx.brandVersion}">
</head>
<body>
<a class="skip" href="#main">${t('skip')}</a>
<header class="bar">${brand}</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="foot"><p>${t('footer')}</p>${
    settings.organisationAddress
      ? html`<p>${settings.organisationName} · ${settings.organisationAddress}</p>`
      : ''
  }</footer>
</body>
</html>`.html
}
`;
}

function csrfField(ctx: PageContext): RawHtml {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}">`;
}

function flashBlock(flash: Flash | null): RawHtml | string {
  if (!flash) return '';
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}"><p>${flash.text}</p>${
    flash.download ? html`<p><a href="${flash.download.href}">${flash.download.label}</a></p>` : ''
  }</div>`;
}

function status(inv: PortalInvoice, ctx: PageContext): { label: string; cls: string } {
  const { t, language } = ctx;
  if (!inv.isOpen) return { label: t('statusPaid'), cls: 'paid' };
  if (inv.disputed) return { label: t('statusDisputed'), cls: 'disputed' };
  if (inv.promise)
    return { label: t('statusPromised', { date: date(inv.promise.date, language) }), cls: 'promised' };
  if (inv.daysOverdue > 0) return { label: t('statusOverdue'), cls: 'overdue' };
  return { label: t('statusOpen'), cls: 'open' };
}

function pdfHref(ctx: PageContext, number: string): string {
  return `${ctx.base}/invoices/${encodeURIComponent(number)}.pdf`;
}

function invoiceCard(inv: PortalInvoice, ctx: PageContext, payable: boolean): RawHtml {
  const { t, language, settings } = ctx;
  const s = status(inv, ctx);
  const id = `inv-${inv.id}`;
  const selectable = payable && inv.isOpen;
  return html`<li class="invoice" aria-labelledby="${id}">
<div class="head"><h3 id="${id}">${t('colInvoice')} ${inv.number}</h3><span class="badge ${s.cls}">${s.label}</span></div>
<dl>
<div><dt>${t('colIssued')}</dt><dd>${date(inv.issueDate, language)}</dd></div>
<div><dt>${t('colDue')}</dt><dd>${date(inv.dueDate, language)}</dd></div>
<div><dt>${t('colAmount')}</dt><dd>${money(inv.amount, inv.currency, language)}</dd></div>
${
  inv.isOpen
    ? html`<div><dt>${t('colOpen')}</dt><dd class="strong">${money(inv.openBalance, inv.currency, language)}</dd></div>
<div><dt>${t('colOverdue')}</dt><dd>${inv.daysOverdue > 0 ? String(inv.daysOverdue) : '–'}</dd></div>`
    : inv.settledOn
      ? html`<div><dt>${t('colPaidOn')}</dt><dd>${date(inv.settledOn, language)}</dd></div>`
      : ''
}
</dl>
${
  inv.notes.length > 0
    ? html`<div class="notes"><h4>${t('notesOn')}</h4><ul>${inv.notes.map((n) => html`<li>${n.body}</li>`)}</ul></div>`
    : ''
}
<div class="row">
<a class="pdf" href="${pdfHref(ctx, inv.number)}">${t('downloadPdf', { number: inv.number })}</a>
${
  selectable
    ? html`<span class="pick"><input type="checkbox" id="pay-${inv.id}" name="pay" value="${inv.number}"><label for="pay-${inv.id}">${t('colSelect')}</label></span>`
    : ''
}
</div>
${
  selectable && settings.partialPayments
    ? html`<div class="field"><label for="amount-${inv.id}">${t('payAmount', { number: inv.number })}</label><input id="amount-${inv.id}" name="amount_${inv.number}" inputmode="decimal" autocomplete="off" value="${formatAmount(inv.openBalance, inv.currency)}"></div>`
    : ''
}
</li>`;
}

function invoiceOptions(invoices: readonly PortalInvoice[], selected?: string): RawHtml[] {
  return invoices.map(
    (inv) =>
      html`<option value="${inv.number}"${inv.number === selected ? html` selected` : ''}>${inv.number}</option>`,
  );
}

export interface AccountPageInput {
  account: PortalAccount;
  /** null = no online payment configured (bank transfer only) */
  canPayOnline: boolean;
  flash: Flash | null;
  today: string;
}

export function accountPage(ctx: PageContext, input: AccountPageInput): string {
  const { t, language, settings } = ctx;
  const { account } = input;
  const org = settings.organisationName;
  const name = account.contact?.name || account.customer.name;
  const all = [...account.open, ...account.paid];
  const promisable = account.open.filter((i) => !i.promise);
  const disputable = account.open.filter((i) => !i.disputed);
  const references = account.open.map((i) => i.number).join(', ');
  const bank = settings.bank;
  const docKinds: { kind: DocumentKind; label: string }[] = [
    { kind: 'invoice_copy', label: t('docInvoiceCopy') },
    { kind: 'statement', label: t('docStatement') },
    { kind: 'tax_form', label: t('docTaxForm') },
    { kind: 'remittance', label: t('docRemittance') },
  ];

  const openList = html`<ul class="invoices">${account.open.map((inv) => invoiceCard(inv, ctx, input.canPayOnline))}</ul>`;
  const body = html`<h1>${t('title', { org })}</h1>
<p class="lead">${t('hello', { name })}. ${t('intro', { org, date: date(input.today, language) })}</p>
${flashBlock(input.flash)}
<section aria-labelledby="open-h">
<h2 id="open-h">${t('openInvoices')}</h2>
${
  account.totals.length > 0
    ? html`<ul class="totals">${account.totals.map(
        (tot) =>
          html`<li><span class="label">${t('totals')} (${tot.currency})</span> <span class="value">${money(tot.open, tot.currency, language)}</span>${
            tot.overdue > 0
              ? html` <span class="sub">${t('totalOverdue')}: ${money(tot.overdue, tot.currency, language)}</span>`
              : ''
          }</li>`,
      )}</ul>`
    : html`<p>${t('noOpen')}</p>`
}
${
  account.open.length === 0
    ? ''
    : input.canPayOnline
      ? html`<form method="post" action="${ctx.base}/pay" class="pay">
${csrfField(ctx)}
<p>${t('payIntro')}</p>
${openList}
<div class="actions"><button type="submit" name="all" value="0">${t('payButton')}</button><button type="submit" name="all" value="1" class="secondary">${t('payAll')}</button></div>
<p class="hint">${t('payOneCurrency')}</p>
</form>`
      : html`${openList}<p class="hint">${t('payUnavailable')}</p>`
}
<p><a class="statement" href="${ctx.base}/statement.pdf">${t('downloadStatement')}</a></p>
</section>
<section aria-labelledby="bank-h">
<h2 id="bank-h">${t('bankHeading')}</h2>
${
  bank
    ? html`<dl class="bank">${[
        [t('bankHolder'), bank.accountHolder],
        [t('bankIban'), bank.iban],
        [t('bankBic'), bank.bic],
        [t('bankName'), bank.bankName],
        [t('bankAccount'), bank.accountNumber],
        [t('bankRouting'), bank.routingNumber],
      ]
        .filter(([, v]) => v)
        .map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}${
        references ? html`<div><dt>${t('bankReference')}</dt><dd>${references}</dd></div>` : ''
      }</dl>`
    : settings.remittance
      ? html`<p class="pre">${settings.remittance}</p>${references ? html`<p>${t('bankReference')}: ${references}</p>` : ''}`
      : html`<p>${t('bankMissing')}</p>`
}
<p class="hint">${t('bankReferenceHint')}</p>
</section>
${
  promisable.length > 0
    ? html`<section aria-labelledby="promise-h">
<h2 id="promise-h">${t('promiseHeading')}</h2>
<form method="post" action="${ctx.base}/promise">
${csrfField(ctx)}
<div class="field"><label for="promise-invoice">${t('promiseInvoice')}</label><select id="promise-invoice" name="invoice" required>${invoiceOptions(promisable)}</select></div>
<div class="field"><label for="promise-date">${t('promiseDate')}</label><input id="promise-date" name="date" type="date" min="${input.today}" required></div>
<div class="field"><label for="promise-amount">${t('promiseAmount')}</label><input id="promise-amount" name="amount" inputmode="decimal" autocomplete="off"></div>
<button type="submit">${t('promiseSubmit')}</button>
</form>
</section>`
    : ''
}
${
  disputable.length > 0
    ? html`<section aria-labelledby="dispute-h">
<h2 id="dispute-h">${t('disputeHeading')}</h2>
<form method="post" action="${ctx.base}/dispute">
${csrfField(ctx)}
<div class="field"><label for="dispute-invoice">${t('colInvoice')}</label><select id="dispute-invoice" name="invoice" required>${invoiceOptions(disputable)}</select></div>
<div class="field"><label for="dispute-reason">${t('disputeReason')}</label><select id="dispute-reason" name="reason" required>${disputeReasons(
        settings,
      ).map(
        (r) => html`<option value="${r.value}">${r.label ? t(r.label) : r.value}</option>`,
      )}</select></div>
<div class="field"><label for="dispute-note">${t('disputeNote')}</label><textarea id="dispute-note" name="note" rows="3" maxlength="2000"></textarea></div>
<button type="submit">${t('disputeSubmit')}</button>
</form>
</section>`
    : ''
}
${
  all.length > 0
    ? html`<section aria-labelledby="note-h">
<h2 id="note-h">${t('noteHeading')}</h2>
<form method="post" action="${ctx.base}/note">
${csrfField(ctx)}
<div class="field"><label for="note-invoice">${t('colInvoice')}</label><select id="note-invoice" name="invoice" required>${invoiceOptions(all)}</select></div>
<div class="field"><label for="note-text">${t('noteText')}</label><textarea id="note-text" name="note" rows="3" maxlength="2000" required></textarea></div>
<button type="submit">${t('noteSubmit')}</button>
</form>
</section>`
    : ''
}
<section aria-labelledby="doc-h">
<h2 id="doc-h">${t('docHeading')}</h2>
<form method="post" action="${ctx.base}/documents" enctype="multipart/form-data">
${csrfField(ctx)}
<fieldset><legend>${t('docKind')}</legend>${docKinds.map(
    (d, i) =>
      html`<div class="choice"><input type="radio" id="doc-${d.kind}" name="kind" value="${d.kind}"${i === 0 ? html` checked` : ''}><label for="doc-${d.kind}">${d.label}</label></div>`,
  )}</fieldset>
<div class="field"><label for="doc-invoice">${t('docInvoiceOptional')}</label><select id="doc-invoice" name="invoice"><option value="">${t('anyInvoice')}</option>${invoiceOptions(all)}</select></div>
<div class="field"><label for="doc-file">${t('docFile', { size: formatBytes(settings.uploadMaxBytes) })}</label><input id="doc-file" name="file" type="file" accept="application/pdf,image/png,image/jpeg"></div>
<div class="field"><label for="doc-message">${t('docMessage')}</label><textarea id="doc-message" name="message" rows="2" maxlength="2000"></textarea></div>
<button type="submit">${t('docSubmit')}</button>
</form>
</section>
<section aria-labelledby="paid-h">
<h2 id="paid-h">${t('paidInvoices')}</h2>
${
  account.paid.length > 0
    ? html`<ul class="invoices">${account.paid.map((inv) => invoiceCard(inv, ctx, false))}</ul>`
    : html`<p>${t('noPaid')}</p>`
}
</section>`;
  return layout(ctx, t('title', { org }), body);
}

export type LinkProblem = 'expired' | 'revoked' | 'invalid';

export function linkProblemPage(
  ctx: Pick<PageContext, 't' | 'language' | 'settings' | 'brandVersion'> & {
    base: string;
    csrf: string | null;
  },
  problem: LinkProblem,
  flash: Flash | null,
): string {
  const { t } = ctx;
  const title =
    problem === 'expired'
      ? t('linkExpiredTitle')
      : problem === 'revoked'
        ? t('linkRevokedTitle')
        : t('linkInvalidTitle');
  const text =
    problem === 'expired'
      ? t('linkExpiredBody')
      : problem === 'revoked'
        ? t('linkRevokedBody')
        : t('linkInvalidBody');
  const body = html`<h1>${title}</h1>
<p class="lead">${text}</p>
${flashBlock(flash)}
${
  ctx.csrf
    ? html`<section aria-labelledby="renew-h">
<h2 id="renew-h">${t('linkRequestHeading')}</h2>
<form method="post" action="${ctx.base}/new-link">
<input type="hidden" name="csrf" value="${ctx.csrf}">
<div class="field"><label for="renew-email">${t('linkRequestEmail')}</label><input id="renew-email" name="email" type="email" autocomplete="email" required maxlength="320"></div>
<button type="submit">${t('linkRequestSubmit')}</button>
</form>
</section>`
    : ''
}`;
  return layout(ctx, title, body);
}

/** The organisation's colours as CSS custom properties (served as /portal/assets/brand.css). */
export function brandCss(settings: PortalSettings): string {
  return `:root{--brand:${settings.primaryColor};--on-brand:${settings.onPrimaryColor};--accent:${settings.accentColor};}\n`;
}
