import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { isCalendarDate, localDate } from '../../ledger/dates.ts';
import { loadDefaultTemplates } from '../../messages/defaults/templates/index.ts';
import { readTemplateDirectory, writeTemplateDirectory } from '../../messages/templates/directory.ts';
import { TemplateError } from '../../messages/templates/engine.ts';
import { fileProblem, TemplateFileError } from '../../messages/templates/files.ts';
import { loadVariableInput } from '../../messages/templates/load-variables.ts';
import { type MessageTemplate, renderMessage, type TemplateSource } from '../../messages/templates/render.ts';
import {
  getTemplate,
  listTemplates,
  type ResolvedTemplate,
  resolveTemplate,
  saveTemplates,
} from '../../messages/templates/store.ts';
import { validateTemplate } from '../../messages/templates/validate.ts';
import { buildVariables } from '../../messages/templates/variables.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { loadConfig } from '../../platform/config.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { templateUrls } from '../../portal/links.ts';
import { type CommandContext, defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell templates apply DIR [--json]
       dunwell templates export DIR [--json]
       dunwell templates preview KEY --customer EXTERNAL_ID [--language L] [--format text|html|eml]
                                     [--date YYYY-MM-DD] [--invoice NUMBER …]

  apply    load every KEY.LANGUAGE.mjml / .html file of DIR (format: see
           src/messages/defaults/templates/README.md). All files are checked first; one bad
           file (syntax, unknown variable, MJML error) changes nothing and is reported with
           its file, line and column. Templates not in DIR are kept.
  export   write the templates in effect (saved ones, else the shipped defaults) to DIR, one
           file per key and language, in the same format
  preview  render a template for a customer with real data: its open invoices on --date
           (default today), its billing contact, and the portal link from DUNWELL_PUBLIC_URL.
           Language: --language, else the customer's, the organisation's, then English.
           --format text (default: subject and plain text), html, or eml (a complete message)`;

export default defineCommand({
  summary: 'apply, export or preview message templates',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === 'apply') return apply(ctx, rest);
    if (sub === 'export') return exportTemplates(ctx, rest);
    if (sub === 'preview') return preview(ctx, rest);
    throw new UsageError(sub ? `unknown templates command "${sub}"; try apply, export or preview` : USAGE);
  },
});

async function apply(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError('templates apply needs one DIR');
  const dir = positionals[0]!;
  let directory: ReturnType<typeof readTemplateDirectory>;
  try {
    directory = readTemplateDirectory(dir);
  } catch (err) {
    if (err instanceof TemplateFileError) throw new UserError(err.message);
    throw err;
  }
  if (directory.files.length === 0) {
    throw new UserError(`${dir}: no template files (KEY.LANGUAGE.mjml or KEY.LANGUAGE.html) in it`);
  }
  // Every file is checked before anything is written; problems are reported in file terms.
  const problems: TemplateFileError[] = [];
  for (const file of directory.files) {
    for (const p of await validateTemplate(file.template)) problems.push(fileProblem(file.fileName, file, p));
  }
  if (problems.length > 0) {
    for (const p of problems.slice(1)) ctx.note(`dunwell: ${p.message}`);
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem(s) above; nothing was applied)` : '';
    throw new UserError(`${problems[0]!.message}${more}`);
  }
  const result = await saveTemplates(
    await ctx.db(),
    directory.files.map((f) => f.template),
    'cli',
  );
  if (ctx.json) {
    ctx.printJson({ templates: directory.files.length, ...result, ignored: directory.ignored });
  } else {
    ctx.print(
      `Applied ${dir}: ${directory.files.length} template(s): ${result.created.length} created, ` +
        `${result.updated.length} updated, ${result.unchanged.length} unchanged.`,
    );
    for (const name of result.created) ctx.print(`  created    ${name}`);
    for (const name of result.updated) ctx.print(`  updated    ${name}`);
    if (directory.ignored.length > 0)
      ctx.note(`ignored (not template files): ${directory.ignored.join(', ')}`);
  }
  return 0;
}

/** The templates in effect: a key saved in the database comes from there, any other key from the defaults. */
async function effectiveTemplates(
  ctx: CommandContext,
): Promise<{ template: TemplateSource; origin: string }[]> {
  const saved = await listTemplates(await ctx.db());
  const savedKeys = new Set(saved.map((t) => t.key));
  const out: { template: TemplateSource; origin: string }[] = saved.map((t) => ({
    template: t,
    origin: 'database',
  }));
  for (const t of loadDefaultTemplates())
    if (!savedKeys.has(t.key)) out.push({ template: t, origin: 'default' });
  return out.sort((a, b) =>
    `${a.template.key}.${a.template.language}`.localeCompare(`${b.template.key}.${b.template.language}`),
  );
}

async function exportTemplates(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError('templates export needs one DIR');
  const dir = positionals[0]!;
  const templates = await effectiveTemplates(ctx);
  let written: string[];
  try {
    written = writeTemplateDirectory(
      dir,
      templates.map((t) => t.template),
    );
  } catch (err) {
    throw new UserError(
      `cannot write to ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const fromDefaults = templates.filter((t) => t.origin === 'default').length;
  if (ctx.json) ctx.printJson({ directory: dir, files: written, from_defaults: fromDefaults });
  else {
    ctx.print(
      `Exported ${written.length} template(s) to ${dir}` +
        (fromDefaults > 0 ? ` (${fromDefaults} from the shipped defaults, never changed here).` : '.'),
    );
  }
  return 0;
}

async function preview(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals, values } = parseFlags(args, {
    customer: { type: 'string' },
    language: { type: 'string' },
    format: { type: 'string' },
    date: { type: 'string' },
    invoice: { type: 'string', multiple: true },
  });
  if (positionals.length !== 1) throw new UsageError('templates preview needs one KEY (e.g. past-due)');
  const key = positionals[0]!;
  if (!values.customer) throw new UsageError('templates preview needs --customer EXTERNAL_ID');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'html' && format !== 'eml') {
    throw new UsageError(`--format must be text, html or eml, not "${format}"`);
  }
  const db = await ctx.db();
  let date: string;
  if (values.date !== undefined) {
    if (!isCalendarDate(values.date))
      throw new UsageError(`--date "${values.date}" is not a date (YYYY-MM-DD)`);
    date = values.date;
  } else {
    const [org] = await db.query<{ time_zone: string }>('SELECT time_zone FROM organisation WHERE id = 1');
    date = localDate(clockFromEnv(ctx.env).now(), org?.time_zone ?? 'UTC');
  }
  // The same signed portal links a sent message carries.
  const urls = await templateUrls(db, {
    customerExternalId: values.customer,
    now: clockFromEnv(ctx.env).now(),
  });
  const loaded = await loadVariableInput(db, values.customer, {
    date,
    ...(values.invoice ? { invoiceNumbers: values.invoice } : {}),
    step: { key: 'preview', campaign: 'preview', template: key },
    publicUrl: loadConfig(ctx.env).publicUrl,
    ...(urls ? { urls } : {}),
  });

  let template: ResolvedTemplate | null;
  if (values.language) {
    const saved = await getTemplate(db, key, values.language);
    const fromDefaults = loadDefaultTemplates().find((t) => t.key === key && t.language === values.language);
    template = saved
      ? { ...saved, origin: 'database' }
      : fromDefaults && (await listTemplates(db)).every((t) => t.key !== key)
        ? { ...fromDefaults, version: 0, origin: 'default' }
        : null;
    if (!template) throw new UserError(`there is no "${key}" template in language "${values.language}"`);
  } else {
    template = await resolveTemplate(db, key, loaded.customerLanguage, loaded.organisationLanguage);
    if (!template) {
      throw new UserError(
        `there is no "${key}" template in ${[loaded.customerLanguage, loaded.organisationLanguage, 'en']
          .filter(Boolean)
          .join(', ')}; apply one with "dunwell templates apply DIR"`,
      );
    }
  }
  const variables = buildVariables(loaded.input);
  if (variables.invoices.length === 0) {
    ctx.note(`note: customer "${values.customer}" has no open invoices on ${date}; the message lists none`);
  }
  let rendered: Awaited<ReturnType<typeof renderMessage>>;
  try {
    rendered = await renderMessage(template as MessageTemplate, variables);
  } catch (err) {
    if (err instanceof TemplateError) {
      const hint =
        variables.invoices.length === 0
          ? ` (customer "${values.customer}" has no open invoices on ${date})`
          : '';
      throw new UserError(`${key}.${template.language} ${err.message}${hint}`);
    }
    throw err;
  }
  if (ctx.json) {
    ctx.printJson({
      key,
      language: template.language,
      origin: template.origin,
      version: template.version,
      customer_external_id: values.customer,
      date,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
    });
    return 0;
  }
  if (format === 'html')
    ctx.stdout.write(rendered.html.endsWith('\n') ? rendered.html : `${rendered.html}\n`);
  else if (format === 'text') ctx.stdout.write(`Subject: ${rendered.subject}\n\n${rendered.text}\n`);
  else {
    const from = ctx.env.DUNWELL_MAIL_FROM ?? `"${loaded.input.organisation.name}" <billing@example.invalid>`;
    const to = loaded.contactEmail
      ? { name: loaded.input.contact?.name ?? '', address: loaded.contactEmail }
      : 'no-contact@example.invalid';
    const eml = await new MailComposer({
      from,
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'X-Dunwell-Template': `${key}.${template.language}` },
    })
      .compile()
      .build();
    ctx.stdout.write(eml);
  }
  return 0;
}
