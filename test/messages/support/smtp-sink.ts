/**
 * A real SMTP peer for the sender's tests: `smtp-server` on a loopback port, keeping every
 * message it accepted (raw bytes and envelope). A fault plan decides, message by message,
 * whether to accept, answer with an SMTP error (421/450/451/452, 550/552/554…), drop the
 * connection in the middle of DATA, or stall without answering (the client's socket timeout
 * then fires). Only accepted messages count as deliveries, so a test can count them per
 * Message-ID. `tls` makes it offer STARTTLS (or speak TLS from the first byte) with
 * smtp-server's built-in certificate — self-signed, for "localhost", expired — which a client
 * that checks certificates must refuse; `acceptDelayMs` slows each acceptance down (the crash
 * suites use it so that a kill often lands in the middle of a hand-over).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type SinkAction =
  | 'accept'
  | { readonly reply: number; readonly text?: string }
  | 'drop-mid-data'
  | 'stall';

export interface SinkMessage {
  readonly raw: Buffer;
  readonly from: string;
  readonly to: string[];
  readonly messageId: string | null;
}

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  /** accepted messages, in order */
  readonly messages: SinkMessage[];
  /** every DATA attempt seen (accepted or not), by Message-ID */
  readonly attempts: (string | null)[];
  /** how many times each Message-ID was accepted */
  deliveriesById(): Map<string, number>;
  /** TCP connections opened, and how many SMTP sessions carried DATA without TLS */
  readonly sessions: { opened: number; dataInClear: number };
  close(): Promise<void>;
}

export interface SinkOptions {
  /** decides what to do with the n-th DATA attempt (0-based) of a Message-ID to these recipients */
  readonly onData?: (messageId: string | null, attemptForId: number, recipients: string[]) => SinkAction;
  /** recipients refused at RCPT TO with 550 */
  readonly rejectRecipients?: readonly string[];
  /** offer STARTTLS, or TLS from the first byte, with a certificate no client should trust */
  readonly tls?: 'starttls' | 'implicit';
  /** wait this long before answering 250 to an accepted message */
  readonly acceptDelayMs?: number;
}

function headerMessageId(raw: Buffer): string | null {
  const head =
    raw
      .subarray(0, Math.min(raw.length, 16_384))
      .toString('latin1')
      .split(/\r?\n\r?\n/)[0] ?? '';
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
  return m ? m[1]! : null;
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const attempts: (string | null)[] = [];
  const seen = new Map<string, number>();
  const sessions = { opened: 0, dataInClear: 0 };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    // no key or certificate given: smtp-server's own self-signed "localhost" one
    ...(options.tls === undefined ? { disabledCommands: ['STARTTLS'] } : {}),
    ...(options.tls === 'implicit' ? { secure: true } : {}),
    logger: false,
    size: 50 * 1024 * 1024,
    closeTimeout: 100,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address)) {
        const err = Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let decided: SinkAction | null = null;
      let first = true;
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (!first) return;
        first = false;
        if (!session.secure) sessions.dataInClear++;
        const id = headerMessageId(Buffer.concat(chunks));
        const n = seen.get(id ?? '') ?? 0;
        seen.set(id ?? '', n + 1);
        attempts.push(id);
        decided =
          options.onData?.(
            id,
            n,
            session.envelope.rcptTo.map((r) => r.address),
          ) ?? 'accept';
        if (decided === 'drop-mid-data') {
          // the connection dies half-way through the message, before any reply
          for (const connection of (
            server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
          ).connections) {
            if (connection.id === session.id) connection._socket.destroy();
          }
        }
      });
      stream.on('end', () => {
        const action = decided ?? 'accept';
        if (action === 'stall' || action === 'drop-mid-data') return; // never answer
        if (action !== 'accept') {
          const err = Object.assign(new Error(action.text ?? 'try again later'), {
            responseCode: action.reply,
          });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        const accept = () => {
          messages.push({
            raw,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId: headerMessageId(raw),
          });
          callback(null, 'queued');
        };
        if (options.acceptDelayMs) setTimeout(accept, options.acceptDelayMs);
        else accept();
      });
    },
  });
  server.on('error', () => {});
  // counted on the TCP socket: with TLS from the first byte a refused handshake never opens an SMTP session
  server.server.on('connection', () => {
    sessions.opened++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `${options.tls === 'implicit' ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    messages,
    attempts,
    sessions,
    deliveriesById() {
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(m.messageId ?? '', (counts.get(m.messageId ?? '') ?? 0) + 1);
      return counts;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
