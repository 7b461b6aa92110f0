import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ClassificationJson,
  classificationJson,
  classifyMessage,
  parseMessage,
} from '../../inbound/index.ts';
import {
  acceptInbound,
  assignInbound,
  createWebhookSecret,
  getInbound,
  type InboundStatus,
  type InboundView,
  type IntakeDeps,
  listInbound,
  MAX_INBOUND_BYTES,
  pollOnce,
  receiveInbound,
  resolveThreadReference,
  retryInbound,
  revokeWebhookSecret,
  undoInbound,
} from '../../inbound/intake/index.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db/index.ts';
import { isPostgresUrl } from '../../platform/db/open.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { effectiveConfig } from '../../settings/effective.ts';
import { type CommandContext, defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell inbound FILE.eml … [--json]
       dunwell inbound FILE.eml … --classify-only [--json]
       dunwell inbound poll [--json]
       dunwell inbound list [--unassigned | --status received|processed|failed] [--customer ID] [--limit N] [--json]
       dunwell inbound show ID [--json]
       dunwell inbound retry ID [--json]
       dunwell inbound assign ID CUSTOMER_EXTERNAL_ID [--json]
       dunwell inbound accept ID [--date YYYY-MM-DD] [--json]
       dunwell inbound undo ID [--json]
       dunwell inbound secret create NAME | secret revoke ID

  FILE.eml …       store each raw RFC 5322 message (status received), then process it:
                   classify, thread to the customer and outbound message, apply the effects
                   (bounces mark the address, replies pause dunning and create a task…).
                   With --json, one JSON object per file, one per line.
  --classify-only  classify without storing. With --json, one compact JSON object per file,
                   one per line (JSON Lines), in argument order:
                     {"file", "kind": "bounce"|"auto_reply"|"complaint"|"delivered"|"reply"|"unknown",
                      "bounce": {"type": "hard"|"soft", "recipient", "status", "reason"}, "bounces": [...],
                      "reply": {"intent", "promised_date"}, "thread": {...}|null}
                   "bounce"/"bounces" appear only for bounces, "reply" only for replies.
                   "thread" is {"message_id", "customer_external_id"}: when a store exists
                   (--db / DUNWELL_DB), the customer and message come from the outbox (Reply-To
                   token, In-Reply-To/References, then the sender among contacts); without one,
                   from the message's own headers with customer_external_id null; null when
                   nothing points to an earlier message. A file that cannot be read gives
                   {"file", "kind": "unknown", "error"}; the others are still classified and
                   the exit code is 1.
  poll             one round over the IMAP mailbox of DUNWELL_IMAP_URL: new messages are
                   stored, processed and moved to Dunwell/Processed ("serve" does this
                   continuously, with IDLE).
  list             newest first; --unassigned lists processed mail no customer was found for.
  retry            process a failed message again (the poller retries by itself too).
  assign           thread a message to a customer by hand; its effects apply to that customer.
  accept           accept the promise to pay (date prefilled from the reply; --date overrides)
                   or the dispute a reply proposed.
  undo             revert everything processing and accepting the message changed.
  secret create    a secret for POST /api/v1/inbound?secret=… (mail providers' inbound
                   webhooks); shown once.`;

const SUBCOMMANDS = new Set(['poll', 'list', 'show', 'retry', 'assign', 'accept', 'undo', 'secret']);

function intakeDeps(db: Db, ctx: CommandContext): IntakeDeps {
  const config = loadConfig(ctx.env);
  return {
    db,
    clock: clockFromEnv(ctx.env),
    reply: { localPart: config.replyLocalPart, domain: config.replyDomain },
  };
}

function oneId(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`inbound ${sub} needs one inbound message ID`);
  return positionals[0]!;
}

export default defineCommand({
  summary: 'take in inbound mail (replies, auto-replies, bounces): store, thread, apply; poll IMAP',
  usage: USAGE,
  async run(ctx) {
    const sub = ctx.argv[0];
    if (sub && SUBCOMMANDS.has(sub)) return runSubcommand(ctx, sub, ctx.argv.slice(1));
    const { values, positionals } = parseFlags(ctx.argv, { 'classify-only': { type: 'boolean' } });
    if (positionals.length === 0)
      throw new UsageError(`inbound needs at least one FILE.eml (or one of: ${[...SUBCOMMANDS].join(', ')})`);
    return values['classify-only'] ? classifyOnly(ctx, positionals) : storeFiles(ctx, positionals);
  },
});

function readError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EISDIR'
        ? 'is a directory, not a message file'
        : code === 'EACCES'
          ? 'permission denied'
          : (err as Error).message;
  return `cannot read ${file}: ${why}`;
}

/** A store exists: a PostgreSQL URL, or an embedded data directory already created. */
function storeExists(target: string): boolean {
  if (isPostgresUrl(target)) return true;
  if (target === 'memory://') return false;
  return existsSync(join(resolve(target), 'PG_VERSION'));
}

async function classifyOnly(ctx: CommandContext, files: string[]): Promise<number> {
  let deps: IntakeDeps | null = null;
  if (storeExists(ctx.dbTarget)) {
    try {
      deps = intakeDeps(await ctx.db(), ctx);
    } catch (err) {
      ctx.note(`dunwell: threads come from the headers only: ${(err as Error).message}`);
    }
  }
  let failed = 0;
  for (const file of files) {
    let result: ClassificationJson | ReadFailure;
    try {
      const raw = await readFile(file);
      const parsed = await parseMessage(raw);
      const c = classifyMessage(parsed);
      const thread = deps ? await resolveThreadReference(deps.db, parsed, c, deps.reply) : c.thread;
      result = classificationJson(file, { ...c, thread });
    } catch (err) {
      failed++;
      const message = readError(file, err);
      result = { file, kind: 'unknown', error: message };
      ctx.note(`dunwell: ${message}`);
    }
    if (ctx.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
    else ctx.print(humanLine(result));
  }
  return failed > 0 ? 1 : 0;
}

async function storeFiles(ctx: CommandContext, files: string[]): Promise<number> {
  const deps = intakeDeps(await ctx.db(), ctx);
  let failed = 0;
  for (const file of files) {
    let line: Record<string, unknown>;
    try {
      const size = (await stat(file)).size;
      if (size > MAX_INBOUND_BYTES)
        throw new UserError(
          `${file} is ${(size / 1048576).toFixed(1)} MB, over the ${MAX_INBOUND_BYTES / 1048576} MB limit for one message`,
        );
      const raw = await readFile(file);
      const result = await receiveInbound(deps, { raw, source: 'file', sourceRef: file, actor: 'cli' });
      if (result.status === 'failed') failed++;
      line = { file, ...result };
      if (!ctx.json) ctx.print(`${file}: ${summary(result)}${result.duplicate ? ' (already stored)' : ''}`);
    } catch (err) {
      failed++;
      const message = err instanceof UserError ? err.message : readError(file, err);
      line = { file, status: 'error', error: message };
      ctx.note(`dunwell: ${message}`);
    }
    if (ctx.json) ctx.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return failed > 0 ? 1 : 0;
}

function summary(v: InboundView): string {
  const parts = [`#${v.id} ${v.status}`];
  if (v.kind) parts.push(v.kind);
  if (v.failure) parts.push(`(${v.failure})`);
  parts.push(
    v.customer_external_id ? `customer ${v.customer_external_id} (${v.thread_method})` : 'unassigned',
  );
  const live = v.effects.filter((e) => !e.undone).map((e) => e.kind);
  if (live.length > 0) parts.push(`effects: ${live.join(', ')}`);
  if (v.proposal && v.proposal_status === 'proposed')
    parts.push(`proposes a ${String(v.proposal.type)} ("dunwell inbound accept ${v.id}")`);
  for (const n of v.notes) parts.push(`note: ${n}`);
  return parts.join('  ');
}

async function runSubcommand(ctx: CommandContext, sub: string, argv: string[]): Promise<number> {
  const out = (v: unknown, human: string) => {
    if (ctx.json) ctx.printJson(v);
    else ctx.print(human);
  };
  if (sub === 'poll') {
    parseFlags(argv, {}, false);
    loadConfig(ctx.env); // a bad deploy-time setting fails before the database is opened
    const db = await ctx.db();
    // the mailbox saved in the workspace's settings, under the environment's (docs/settings.md)
    const config = await effectiveConfig(db, { env: ctx.env, cwd: process.cwd() });
    if (!config.imapUrl)
      throw new UserError(
        'no IMAP mailbox configured: set DUNWELL_IMAP_URL=imap://user:pass@host:143/INBOX (or imapUrl in dunwell.config.json, or IMAP in the workspace settings)',
      );
    const r = await pollOnce(intakeDeps(db, ctx), config.imapUrl, { actor: 'cli' });
    out(
      r,
      `${r.mailbox}: stored ${r.stored} new (${r.duplicates} already stored), processed ${r.processed} ` +
        `(${r.failed} failed), moved ${r.moved} to Dunwell/Processed`,
    );
    return r.failed > 0 ? 1 : 0;
  }
  if (sub === 'list') {
    const { values } = parseFlags(
      argv,
      {
        unassigned: { type: 'boolean' },
        status: { type: 'string' },
        customer: { type: 'string' },
        limit: { type: 'string' },
      },
      false,
    );
    if (values.status && !['received', 'processed', 'failed'].includes(values.status))
      throw new UsageError(`--status "${values.status}" is not one of received, processed, failed`);
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
      throw new UsageError(`--limit "${values.limit}" is not a whole number from 1 to 10000`);
    const rows = await listInbound(await ctx.db(), {
      status: values.unassigned ? 'unassigned' : (values.status as InboundStatus | undefined),
      customerExternalId: values.customer,
      limit,
    });
    if (ctx.json) ctx.printJson(rows);
    else if (rows.length === 0) ctx.print('No inbound messages.');
    else for (const r of rows) ctx.print(`${summary(r)}  ${r.from ?? '-'}  ${r.subject ?? ''}`);
    return 0;
  }
  if (sub === 'secret') {
    const [action, ...rest] = argv;
    const { positionals } = parseFlags(rest, {});
    const db = await ctx.db();
    if (action === 'create') {
      if (positionals.length !== 1)
        throw new UsageError('inbound secret create needs one NAME, e.g. "mailgun"');
      const s = await createWebhookSecret(db, positionals[0]!);
      out(
        s,
        `Inbound webhook secret ${s.id} (${s.name}), shown once:\n  ${s.secret}\n` +
          `POST raw messages to /api/v1/inbound?secret=${s.secret} (or send header X-Dunwell-Inbound-Secret).`,
      );
      return 0;
    }
    if (action === 'revoke') {
      const id = Number(positionals[0]);
      if (positionals.length !== 1 || !Number.isSafeInteger(id) || id <= 0)
        throw new UsageError('inbound secret revoke needs one secret ID');
      await revokeWebhookSecret(db, id);
      out({ id, revoked: true }, `Inbound webhook secret ${id} revoked.`);
      return 0;
    }
    throw new UsageError('inbound secret needs "create NAME" or "revoke ID"');
  }
  const db = await ctx.db();
  const deps = intakeDeps(db, ctx);
  if (sub === 'show') {
    const { positionals } = parseFlags(argv, {});
    const v = await getInbound(db, Number(checkId(oneId(positionals, sub))));
    out(v, summary(v));
    return 0;
  }
  if (sub === 'retry') {
    const { positionals } = parseFlags(argv, {});
    const v = await retryInbound(deps, oneId(positionals, sub), 'cli');
    out(v, summary(v));
    return v.status === 'failed' ? 1 : 0;
  }
  if (sub === 'assign') {
    const { positionals } = parseFlags(argv, {});
    if (positionals.length !== 2)
      throw new UsageError('inbound assign needs an inbound message ID and a CUSTOMER_EXTERNAL_ID');
    const v = await assignInbound(deps, {
      id: positionals[0]!,
      customerExternalId: positionals[1]!,
      actor: 'cli',
    });
    out(v, summary(v));
    return 0;
  }
  if (sub === 'accept') {
    const { values, positionals } = parseFlags(argv, { date: { type: 'string' } });
    const v = await acceptInbound(deps, {
      id: oneId(positionals, sub),
      actor: 'cli',
      promisedDate: values.date ?? null,
    });
    out(v, `Accepted: ${summary(v)}`);
    return 0;
  }
  if (sub === 'undo') {
    const { positionals } = parseFlags(argv, {});
    const v = await undoInbound(deps, { id: oneId(positionals, sub), actor: 'cli' });
    out(v, `Undone: ${v.reverted.length > 0 ? v.reverted.join('; ') : 'it had changed nothing'}`);
    return 0;
  }
  throw new UsageError(USAGE);
}

function checkId(text: string): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UserError(`inbound message id "${text}" is not a number; see "dunwell inbound list"`);
  return n;
}

interface ReadFailure {
  readonly file: string;
  readonly kind: 'unknown';
  readonly error: string;
}

function humanLine(r: ClassificationJson | ReadFailure): string {
  if ('error' in r) return `${r.file}: ${r.error}`;
  const parts = [`${r.file}: ${r.kind}`];
  for (const b of r.bounces ?? []) parts.push(`${b.recipient} ${b.type} ${b.status} ${b.reason}`);
  if (r.reply)
    parts.push(
      `intent ${r.reply.intent}${r.reply.promised_date ? ` (promised ${r.reply.promised_date})` : ''}`,
    );
  if (r.thread) {
    if (r.thread.message_id) parts.push(`in reply to <${r.thread.message_id}>`);
    if (r.thread.customer_external_id) parts.push(`customer ${r.thread.customer_external_id}`);
  }
  return parts.join('  ');
}
