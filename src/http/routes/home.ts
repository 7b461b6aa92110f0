import { ledgerTotals, topOverdueCustomers } from '../../ledger/read.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { html, layout } from '../html.ts';

/**
 * The home page until the workspace UI exists: the organisation, its ledger totals per
 * currency, and the way to the API reference. Every value is escaped.
 */
export default async function home(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const today = await deps.today();
    const totals = await ledgerTotals(deps.db, today);
    const overdue = await topOverdueCustomers(deps.db, today, 10);
    const currencies = Object.entries(totals.currencies);
    const body = html`<h1>${totals.organisation}</h1>
<p class="muted">Accounts receivable as of ${totals.as_of}</p>
<div class="cards">
<div class="card"><div class="label">Customers</div><div class="value">${totals.customers.toLocaleString('en')}</div></div>
<div class="card"><div class="label">Open invoices</div><div class="value">${totals.open_invoices.toLocaleString('en')}</div></div>
</div>
<h2>Receivables by currency</h2>
${
  currencies.length === 0
    ? html`<p class="muted">Nothing is open. Import invoices with <code>dunwell import invoices FILE</code> or the API.</p>`
    : html`<table><thead><tr><th>currency</th><th class="num">open invoices</th><th class="num">AR total</th><th class="num">overdue</th></tr></thead><tbody>${currencies.map(
        ([currency, c]) =>
          html`<tr><td>${currency}</td><td class="num">${c.open_invoices.toLocaleString('en')}</td><td class="num">${c.ar}</td><td class="num">${c.overdue}</td></tr>`,
      )}</tbody></table>`
}
${
  overdue.length === 0
    ? ''
    : html`<h2>Largest overdue balances</h2>
<table><thead><tr><th>customer</th><th>external id</th><th>currency</th><th class="num">overdue</th><th>oldest due date</th></tr></thead><tbody>${overdue.map(
        (c) =>
          html`<tr><td>${c.name}</td><td><code>${c.external_id}</code></td><td>${c.currency}</td><td class="num">${c.overdue}</td><td>${c.oldest_due_date}</td></tr>`,
      )}</tbody></table>`
}
<h2>API</h2>
<p>The REST API lives under <code>/api/v1</code> and needs an API key (<code>dunwell apikeys create NAME</code>).</p>
<ul><li><a href="/api/docs">API reference</a></li><li><a href="/api/openapi.json">OpenAPI 3.1 document</a></li></ul>`;
    return reply.type('text/html; charset=utf-8').send(layout(`${totals.organisation} · Dunwell`, body));
  });
}
