import { readFile } from 'node:fs/promises';
import { type ClassificationJson, classificationJson, classifyRaw } from '../../inbound/index.ts';
import { UsageError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell inbound FILE.eml … --classify-only [--json]

Classifies raw RFC 5322 messages (replies, auto-replies, bounces, complaints, delivery
reports) without storing anything. With --json, prints one compact JSON object per file, one
per line (JSON Lines), in argument order:
  {"file", "kind": "bounce"|"auto_reply"|"complaint"|"delivered"|"reply"|"unknown",
   "bounce": {"type": "hard"|"soft", "recipient", "status", "reason"}, "bounces": [...],
   "reply": {"intent", "promised_date"}, "thread": {...}|null}
"bounce"/"bounces" appear only for bounces, "reply" only for replies. "thread" comes from the
message's own headers for now: {"message_id": In-Reply-To or the first References id,
"customer_external_id": null} (the outbox lookup arrives with the intake), or null when the
message refers to no earlier message. A file that cannot be read gives
{"file", "kind": "unknown", "error"}; the others are still classified and the exit code is 1.

Storing inbound mail (and "inbound accept ID", "inbound poll") arrives with the intake.`;

export default defineCommand({
  summary: 'process inbound mail (replies, auto-replies, bounces)',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, { 'classify-only': { type: 'boolean' } });
    if (positionals[0] === 'accept' || positionals[0] === 'poll') {
      throw new UsageError(
        `"inbound ${positionals[0]}" arrives with the inbound intake; only --classify-only works yet`,
      );
    }
    if (!values['classify-only']) {
      throw new UsageError(
        'inbound needs --classify-only for now: storing inbound mail arrives with the intake (e.g. "dunwell inbound reply.eml --classify-only --json")',
      );
    }
    if (positionals.length === 0) throw new UsageError('inbound --classify-only needs at least one FILE.eml');

    let failed = 0;
    for (const file of positionals) {
      let result: ClassificationJson | ReadFailure;
      try {
        const raw = await readFile(file);
        result = classificationJson(file, await classifyRaw(raw));
      } catch (err) {
        failed++;
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'file not found'
            : code === 'EISDIR'
              ? 'is a directory, not a message file'
              : code === 'EACCES'
                ? 'permission denied'
                : (err as Error).message;
        result = { file, kind: 'unknown', error: `cannot read ${file}: ${why}` };
        ctx.note(`dunwell: cannot read ${file}: ${why}`);
      }
      if (ctx.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
      else ctx.print(humanLine(result));
    }
    return failed > 0 ? 1 : 0;
  },
});

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
  if (r.thread) parts.push(`in reply to <${r.thread.message_id}>`);
  return parts.join('  ');
}
