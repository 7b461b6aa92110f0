import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DATE_FORMATS, isDateFormat, localDate } from '../../ledger/dates.ts';
import { formatAmount } from '../../ledger/money.ts';
import {
  BANK_FORMATS,
  CSV_COLUMNS,
  isBankFormat,
  type ReconcileOutcome,
  reconcileFile,
} from '../../payments/index.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

function parseMap(entries: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) {
      throw new UsageError(`--map ${entry}: write it as SOURCE=COLUMN, e.g. --map "Buchungstag=date"`);
    }
    map[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return map;
}

/** "3 matched (EUR 1234.50), …" — amounts per currency, never mixed. */
function describe(outcome: ReconcileOutcome): string[] {
  const line = (label: string, t: ReconcileOutcome['totals']['matched']) => {
    const amounts = Object.entries(t.amounts)
      .map(([currency, minor]) => `${currency} ${formatAmount(minor, currency)}`)
      .join(', ');
    return `  ${label.padEnd(10)} ${String(t.count).padStart(5)}${amounts ? `  ${amounts}` : ''}`;
  };
  const statements = outcome.report.statements;
  const entries = statements.reduce((n, s) => n + s.entries.length, 0);
  return [
    `${outcome.report.format}: ${statements.length} statement${statements.length === 1 ? '' : 's'}, ${entries} entr${entries === 1 ? 'y' : 'ies'}`,
    line('matched', outcome.totals.matched),
    line('unmatched', outcome.totals.unmatched),
    line('ignored', outcome.totals.ignored),
  ];
}

export default defineCommand({
  summary: 'import a bank statement and match its payments to invoices',
  usage: `Usage: dunwell reconcile FILE [--dry-run] [--format F] [--map SOURCE=COLUMN …] [--currency C] [--date-format FMT] [--json]

Reads a bank statement — ISO 20022 camt.053 / camt.054 (also camt.052), SWIFT MT940, BAI2, or
CSV — and matches each credit to invoices: invoice numbers in the remittance text, then the
payer's account or name and the amount, else it waits in the unmatched queue. Matched credits
become payments (balances, kept promises, cancelled reminders, the customer's timeline).
Debits and reversals are listed as ignored. Importing the same file again changes nothing.

Options:
  --dry-run              show what would be matched; write nothing
  --format F             ${BANK_FORMATS.join(', ')} (default: detected from the content)
  --map SOURCE=COLUMN    CSV: read the file's column SOURCE as COLUMN (repeatable); columns are
                         ${CSV_COLUMNS.join(', ')}
  --currency C           CSV without a currency column
  --date-format FMT      CSV dates: ${DATE_FORMATS.join(', ')} (default YYYY-MM-DD)
  --json                 print {"format", "statements": [{"account", "currency", "opening_balance",
                         "closing_balance", "entries": [{"date", "amount", "currency", "reversal",
                         "reference", "remittance", "counterparty", "status", "invoices"}]}]}`,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      'dry-run': { type: 'boolean' },
      format: { type: 'string' },
      map: { type: 'string', multiple: true },
      currency: { type: 'string' },
      'date-format': { type: 'string' },
    });
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError('reconcile needs a FILE: dunwell reconcile statement.xml');
    if (extra.length > 0) throw new UsageError(`reconcile takes one file; unexpected "${extra[0]}"`);
    const format = values.format;
    if (format !== undefined && !isBankFormat(format)) {
      throw new UsageError(`--format ${format} is not one of ${BANK_FORMATS.join(', ')}`);
    }
    const dateFormat = values['date-format'];
    if (dateFormat !== undefined && !isDateFormat(dateFormat)) {
      throw new UsageError(`--date-format ${dateFormat} is not one of ${DATE_FORMATS.join(', ')}`);
    }
    let bytes: Uint8Array;
    try {
      if (statSync(file).isDirectory())
        throw new UserError(`${file} is a directory; give the path of a bank file`);
      bytes = readFileSync(file);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(
        code === 'ENOENT' ? `${file}: no such file; check the path` : `${file}: cannot be read (${code})`,
      );
    }
    const db = await ctx.db();
    const [org] = await db.query<{ time_zone: string }>('SELECT time_zone FROM organisation');
    const today = localDate(clockFromEnv(ctx.env).now(), org?.time_zone ?? 'UTC');
    let outcome: ReconcileOutcome;
    try {
      outcome = await reconcileFile(db, bytes, {
        actor: 'cli',
        today,
        fileName: basename(file),
        dryRun: values['dry-run'] ?? false,
        ...(format ? { format } : {}),
        csv: {
          map: parseMap(values.map ?? []),
          ...(values.currency ? { currency: values.currency.toUpperCase() } : {}),
          ...(dateFormat ? { dateFormat } : {}),
        },
      });
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`);
      throw err;
    }
    if (ctx.json) {
      ctx.printJson(outcome.report);
      return 0;
    }
    for (const l of describe(outcome)) ctx.print(l);
    if (outcome.alreadyImported) ctx.print('this file was imported before: nothing changed');
    else if (outcome.repeatedEntries > 0) {
      ctx.print(
        `${outcome.repeatedEntries} entries were already imported from another file and were left as they were`,
      );
    }
    if (values['dry-run']) ctx.print('(dry run: nothing was written)');
    return 0;
  },
});
