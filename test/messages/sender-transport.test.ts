// The mail transport port's contract, passed by both implementations: the pooled SMTP
// transport (against a loopback smtp-server) and the built-in catcher. Each accepts a built
// message with its envelope and reports the accepted recipients; SMTP also reports the
// server's refusals in SMTP's terms (reply code), which the sender's retry policy reads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catcherTransport } from '../../src/messages/catcher/index.ts';
import {
  createMessageBuilder,
  decideFailure,
  type Handover,
  type MailTransport,
  smtpTransport,
  TransportError,
} from '../../src/messages/sender/index.ts';
import { testConfig } from './support/sender-fixture.ts';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.ts';

async function handover(id: number, to: string[]): Promise<Handover> {
  const builder = createMessageBuilder(testConfig({}));
  const messageId = `<contract-${id}@dunwell.invalid>`;
  const built = await builder.build({
    from: { name: 'Northwind', address: 'billing@example.invalid' },
    to: to.map((email) => ({ name: 'AP', email })),
    cc: [],
    subject: `Contract ${id}`,
    html: '<p>Hello</p>',
    text: 'Hello',
    attachments: [],
    messageId,
    replyTo: null,
    inReplyTo: null,
    references: null,
    date: new Date('2026-11-25T10:00:00Z'),
    template: 'contract.en@0',
  });
  return { outboxMessageId: id, customerId: 1, messageId, subject: `Contract ${id}`, ...built };
}

function contract(
  name: string,
  make: () => Promise<{ transport: MailTransport; received(): Buffer[] | null }>,
) {
  describe(`mail transport contract: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof make>>;
    before(async () => {
      subject = await make();
    });
    after(async () => {
      await subject.transport.close();
    });

    it('accepts a message and reports every envelope recipient accepted', async () => {
      const message = await handover(1, ['a@one.test', 'b@two.test']);
      const delivered = await subject.transport.deliver(message);
      assert.deepEqual([...delivered.accepted].sort(), ['a@one.test', 'b@two.test']);
      assert.deepEqual(delivered.rejected, []);
      assert.ok(delivered.response.length > 0);
      const received = subject.received();
      if (received) assert.ok(received.at(-1)!.equals(message.raw), 'the peer got the bytes unchanged');
    });

    it('hands over many messages concurrently, each once', async () => {
      const messages = await Promise.all(
        Array.from({ length: 10 }, (_, i) => handover(10 + i, [`x${i}@many.test`])),
      );
      const before = subject.received()?.length ?? 0;
      const results = await Promise.all(messages.map((m) => subject.transport.deliver(m)));
      assert.equal(results.length, 10);
      const received = subject.received();
      if (received) assert.equal(received.length - before, 10);
    });
  });
}

let sink: SmtpSink;
contract('SMTP (pooled, loopback smtp-server)', async () => {
  sink = await startSmtpSink();
  const transport = smtpTransport(testConfig({ DUNWELL_SMTP_URL: sink.url }).smtp!, { maxConnections: 2 });
  return { transport, received: () => sink.messages.map((m) => m.raw) };
});
contract('built-in catcher', async () => ({ transport: catcherTransport(), received: () => null }));

describe('mail transport: SMTP refusals come back in SMTP terms', () => {
  it('a 4xx is a TransportError the policy retries; all recipients refused is a 5xx it does not', async () => {
    const s = await startSmtpSink({
      onData: () => ({ reply: 451, text: '4.3.0 busy' }),
      rejectRecipients: ['nobody@fail.test'],
    });
    const transport = smtpTransport(testConfig({ DUNWELL_SMTP_URL: s.url }).smtp!, { maxConnections: 1 });
    try {
      const busy = await transport.deliver(await handover(30, ['busy@fail.test'])).catch((e: unknown) => e);
      assert.ok(busy instanceof TransportError);
      assert.equal(busy.failure.responseCode, 451);
      assert.equal(decideFailure(busy.failure, 1, new Date()).kind, 'retry');
      const refused = await transport
        .deliver(await handover(31, ['nobody@fail.test']))
        .catch((e: unknown) => e);
      assert.ok(refused instanceof TransportError);
      assert.equal(refused.failure.responseCode, 550);
      assert.equal(decideFailure(refused.failure, 1, new Date()).kind, 'failed');
    } finally {
      await transport.close();
      await s.close();
    }
  });

  it('a server that is not there is a network error, retried', async () => {
    const s = await startSmtpSink();
    const url = s.url;
    await s.close();
    const transport = smtpTransport(testConfig({ DUNWELL_SMTP_URL: url }).smtp!, {
      connectionTimeoutMs: 1000,
    });
    try {
      const err = await transport.deliver(await handover(40, ['a@one.test'])).catch((e: unknown) => e);
      assert.ok(err instanceof TransportError);
      assert.equal(err.failure.responseCode, undefined);
      assert.equal(decideFailure(err.failure, 1, new Date()).kind, 'retry');
    } finally {
      await transport.close();
    }
  });
});

after(async () => {
  await sink?.close();
});
