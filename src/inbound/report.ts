/**
 * The §6 JSON object of `dunwell inbound FILE --classify-only --json`, with exactly the keys
 * PRODUCT.md names (`bounce`/`bounces` only for bounces, `reply` only for replies).
 */
import type { BounceRecipient } from './bounce.ts';
import {
  type Classification,
  classifyMessage,
  type MessageKind,
  type ReplyClassification,
  type ThreadReference,
} from './classify.ts';
import { parseMessage } from './parse.ts';

export interface ClassificationJson {
  readonly file: string;
  readonly kind: MessageKind;
  readonly bounce?: BounceRecipient;
  readonly bounces?: readonly BounceRecipient[];
  readonly reply?: ReplyClassification;
  readonly thread: ThreadReference | null;
}

export function classificationJson(file: string, c: Classification): ClassificationJson {
  const out: {
    file: string;
    kind: MessageKind;
    bounce?: BounceRecipient;
    bounces?: readonly BounceRecipient[];
    reply?: ReplyClassification;
    thread: ThreadReference | null;
  } = { file, kind: c.kind, thread: null };
  if (c.kind === 'bounce' && c.bounce && c.bounces) {
    out.bounce = pick(c.bounce);
    out.bounces = c.bounces.map(pick);
  }
  if (c.kind === 'reply' && c.reply)
    out.reply = { intent: c.reply.intent, promised_date: c.reply.promised_date };
  // Key order as PRODUCT §6 lists it: thread last.
  const { thread: _unused, ...rest } = out;
  return { ...rest, thread: c.thread };
}

function pick(b: BounceRecipient): BounceRecipient {
  return { type: b.type, recipient: b.recipient, status: b.status, reason: b.reason };
}

/** Parse and classify raw message bytes (the shell side: mailparser is async). */
export async function classifyRaw(raw: Uint8Array): Promise<Classification> {
  return classifyMessage(await parseMessage(raw));
}
