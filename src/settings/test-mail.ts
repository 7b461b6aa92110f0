/**
 * Settings → Email → "Send test": one message to an address, through the configured transport
 * now — not through the outbox (it is not a customer message and must not wait for a drain).
 * With SMTP configured the answer is the server's own ("250 2.0.0 Ok: queued as …", or the
 * refusal "535 5.7.8 Authentication failed"); without, the built-in catcher keeps the raw
 * message in `settings_test_mail`. Limited to TEST_MAIL_LIMIT per caller, so the button cannot
 * be used to spam an address.
 */
import {
  createMessageBuilder,
  newMessageId,
  smtpTransport,
  TransportError,
} from '../messages/sender/index.ts';
import type { DunwellConfig } from '../platform/config.ts';
import type { Queryable } from '../platform/db/index.ts';
import { safeAddress } from '../platform/email-address.ts';
import { RateLimitedError } from '../platform/errors.ts';
import { type RateLimit, takeRateSlot } from '../platform/rate-limit.ts';
import { SettingsFieldError } from './store.ts';

export const TEST_MAIL_LIMIT: RateLimit = { limit: 5, windowSeconds: 600 };

const CAUGHT = 'caught by the built-in mail catcher (no SMTP server configured)';

export interface TestMailResult {
  ok: boolean;
  transport: 'smtp' | 'catcher';
  to: string;
  message_id: string;
  /** the SMTP server's final answer or refusal, or the catcher's receipt */
  response: string;
}

export async function sendTestMail(
  db: Queryable,
  input: { to: string; actor: string; now: Date; config: DunwellConfig },
): Promise<TestMailResult> {
  const to = safeAddress(input.to);
  if (!to) throw new SettingsFieldError('to', 'is not an e-mail address');
  if (!(await takeRateSlot(db, `settings-test-mail:${input.actor}`, TEST_MAIL_LIMIT, input.now))) {
    throw new RateLimitedError(
      `at most ${TEST_MAIL_LIMIT.limit} test messages per ${TEST_MAIL_LIMIT.windowSeconds / 60} minutes; wait and try again`,
      TEST_MAIL_LIMIT.windowSeconds,
    );
  }
  const { config } = input;
  const [org] = await db.query<{ name: string }>('SELECT name FROM organisation WHERE id = 1');
  const builder = createMessageBuilder(config);
  const messageId = newMessageId(builder.idDomain);
  const subject = 'Dunwell test message';
  const via = config.smtp ? `the SMTP server ${config.smtp.url.hostname}` : 'the built-in mail catcher';
  const built = await builder.build({
    from: config.mailFrom ?? builder.defaultFrom(org?.name ?? 'Dunwell'),
    to: [{ name: '', email: to }],
    cc: [],
    subject,
    text: `This is a test message from Dunwell, sent through ${via}.\r\n\r\nIf you can read it, outgoing mail works.\r\n`,
    html: `<p>This is a test message from Dunwell, sent through ${via.replace(/[<>&"]/g, '')}.</p><p>If you can read it, outgoing mail works.</p>`,
    attachments: [],
    messageId,
    replyTo: null,
    inReplyTo: null,
    references: null,
    date: input.now,
    template: 'settings-test',
  });
  let ok = true;
  let response = CAUGHT;
  if (config.smtp) {
    const transport = smtpTransport(config.smtp, {
      maxConnections: 1,
      connectionTimeoutMs: 15_000,
      socketTimeoutMs: 30_000,
    });
    try {
      const delivered = await transport.deliver({
        outboxMessageId: 0,
        customerId: 0,
        messageId,
        subject,
        raw: built.raw,
        envelope: built.envelope,
      });
      response = delivered.response;
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      ok = false;
      response = err.failure.message;
    } finally {
      await transport.close();
    }
  }
  await db.execute(
    `INSERT INTO settings_test_mail (transport, envelope_from, envelope_to, ok, response, raw, actor)
     VALUES ($1, $2, $3, $4, $5, decode($6, 'base64'), $7)`,
    [
      config.smtp ? 'smtp' : 'catcher',
      built.envelope.from,
      to,
      ok,
      response,
      config.smtp ? null : built.raw.toString('base64'),
      input.actor,
    ],
  );
  return { ok, transport: config.smtp ? 'smtp' : 'catcher', to, message_id: messageId, response };
}
