/**
 * `dunwell bench send [--messages N] [--engines pglite,postgres] [--connections C] [--pg-url URL] [--keep]`
 *
 * Seeds N customers (three invoices each, issued this month) with one planned `statement`
 * message each that attaches the account statement PDF, then times the real CLI path
 * `./bin/dunwell send --json` in a child process (peak RSS from /proc VmHWM) to a loopback SMTP
 * sink (smtp-server in its own process). Next to it, in the same run and to the same sink:
 * nodemailer alone sending the very same pre-rendered raw messages (read back from the outbound
 * mail log) through a pool of the same size, in a child process of its own — the ceiling the
 * sender is compared with. The sender's figure excludes the CLI's start-up (a `dunwell send`
 * on an empty outbox, measured on the same database).
 * Prints a table and writes bench-results/send.json.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../src/cli/command.ts';
import { generateDkimKey } from '../src/messages/sender/index.ts';
import { installDefaultTemplates } from '../src/messages/templates/index.ts';
import { type Db, openDatabase } from '../src/platform/db/index.ts';
import type { BenchContext } from './support/context.ts';
import { DEFAULT_ADMIN_URL, forEachEngine, parseEngines, positive } from './support/engines.ts';
import { formatBytes, runMeasured, timed } from './support/measure.ts';
import { BENCH_DATA, formatTable, machine, REPO_ROOT, writeResult } from './support/report.ts';

export const summary =
  'send N planned messages with a statement PDF each to a loopback SMTP sink vs raw nodemailer';

const DAY = '2026-11-25';
const THIS_FILE = fileURLToPath(import.meta.url);

export async function seed(db: Db, messages: number): Promise<void> {
  // saved templates carry their compiled MJML, as after `templates apply` or the demo's set-up
  await installDefaultTemplates(db, 'bench');
  await db.exec(`
    INSERT INTO customers (external_id, name, language, created_at)
      SELECT 'C' || g, 'Customer ' || g || ' GmbH', (ARRAY['en','de','fr','es'])[1 + g % 4], '2025-01-01T08:00:00Z'
        FROM generate_series(1, ${messages}) g;
    INSERT INTO contacts (external_id, customer_id, name, email, role)
      SELECT 'K' || c.id, c.id, 'Accounts payable', 'ap' || c.id || '@customer' || (c.id % 200) || '.example', 'billing'
        FROM customers c;
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'INV-' || c.id || '-' || k, c.id, 'INV-' || c.id || '-' || k,
             date '${DAY}' - 20 + k * 5, date '${DAY}' - 20 + k * 5 + 14, 'EUR', 1000 + (c.id * 37 + k * 101) % 500000
        FROM customers c CROSS JOIN generate_series(0, 2) k;
    INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                 to_recipients, attach)
      SELECT c.id, 'statements', 'statement_monthly', 'statement', coalesce(c.language, 'en'), false, date '${DAY}',
             jsonb_build_array(jsonb_build_object('contactId', k.id, 'name', k.name, 'email', k.email)),
             '{statement}'
        FROM customers c JOIN contacts k ON k.customer_id = c.id
       ORDER BY c.id;
    ANALYZE;
  `);
}

// ---------------------------------------------------------------------------------------
// Child processes: the SMTP sink, and the raw nodemailer baseline.

async function sinkMain(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        accepted += 1;
        callback(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('message', (m) => {
    if (m === 'count') process.send?.({ accepted });
    if (m === 'stop') server.close(() => process.exit(0));
  });
}

async function baselineMain(file: string, port: number, connections: number): Promise<void> {
  const { default: nodemailer } = await import('nodemailer');
  const messages = JSON.parse(readFileSync(file, 'utf8')) as { from: string; to: string[]; raw: string }[];
  const raws = messages.map((m) => ({
    envelope: { from: m.from, to: m.to },
    raw: Buffer.from(m.raw, 'base64'),
  }));
  const mailer = nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    maxConnections: connections,
    maxMessages: 1000,
  });
  const started = process.hrtime.bigint();
  let next = 0;
  // as many messages in flight as the sender keeps (its concurrency, default 4), over the same pool
  await Promise.all(
    Array.from({ length: Number(process.env.DUNWELL_SENDER_CONCURRENCY) || 4 }, async () => {
      while (next < raws.length) await mailer.sendMail(raws[next++]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  mailer.close();
  process.stdout.write(`${JSON.stringify({ seconds, messages: raws.length })}\n`);
}

function tsxChild(args: string[], ipc: boolean): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', THIS_FILE, ...args], {
    cwd: REPO_ROOT,
    stdio: ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
}

interface Sink {
  port: number;
  accepted(): Promise<number>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child = tsxChild(['--sink'], true);
  const [first] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: first.port,
    async accepted() {
      child.send('count');
      const [m] = (await once(child, 'message')) as [{ accepted: number }];
      return m.accepted;
    },
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

// ---------------------------------------------------------------------------------------

interface EngineFigures {
  engine: string;
  messages: number;
  seed_seconds: number;
  load_average: { before: number; after: number };
  sender: {
    wall_seconds: number;
    startup_seconds: number;
    seconds: number;
    messages_per_second: number;
    peak_rss_bytes: number | null;
    /** CPU seconds of the send process per message, start-up excluded */
    cpu_ms_per_message: number | null;
    result: unknown;
    accepted_by_sink: number;
    mean_mime_bytes: number;
  };
  nodemailer: {
    seconds: number;
    messages_per_second: number;
    peak_rss_bytes: number | null;
    accepted_by_sink: number;
    /** CPU seconds of the whole baseline process (reading the file included) per message */
    cpu_ms_per_message: number | null;
  };
  ratio_to_nodemailer: number;
}

function dunwell(args: string[], env: NodeJS.ProcessEnv): ReturnType<typeof runMeasured> {
  return runMeasured(join(REPO_ROOT, 'bin', 'dunwell'), args, {
    cwd: REPO_ROOT,
    env: { ...process.env, DUNWELL_NOW: `${DAY}T12:00:00Z`, ...env },
  });
}

async function benchEngine(
  engine: 'pglite' | 'postgres',
  target: string,
  messages: number,
  connections: number,
  note: (line: string) => void,
): Promise<EngineFigures> {
  mkdirSync(BENCH_DATA, { recursive: true });
  note(`[${engine}] seeding ${messages.toLocaleString('en-US')} planned messages…`);
  let db = await openDatabase(target);
  const seeded = await timed(() => seed(db, messages));
  await db.close();

  const sink = await startSink();
  // signed like production mail: an RSA 2048 DKIM key made for this run
  const keyFile = join(BENCH_DATA, `send-dkim-${engine}.pem`);
  writeFileSync(keyFile, generateDkimKey().privateKeyPem, { mode: 0o600 });
  const smtpEnv = {
    DUNWELL_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    DUNWELL_REPLY_DOMAIN: 'reply.example.com',
    DUNWELL_DKIM_DOMAIN: 'example.com',
    DUNWELL_DKIM_SELECTOR: 'bench',
    DUNWELL_DKIM_KEY_FILE: keyFile,
    DUNWELL_SMTP_CONNECTIONS: String(connections),
  };
  try {
    // start-up: the same command on an outbox with nothing due (the day before)
    const startup = await dunwell(['send', '--json', '--db', target], {
      ...smtpEnv,
      DUNWELL_NOW: '2026-11-24T12:00:00Z',
    });
    if (startup.code !== 0) throw new Error(`start-up probe failed: ${startup.stderr}`);
    const loadBefore = loadavg()[0]!;
    note(`[${engine}] dunwell send…`);
    const sent = await dunwell(['send', '--json', '--db', target], smtpEnv);
    if (sent.code !== 0) throw new Error(`dunwell send failed (${sent.code}): ${sent.stderr}`);
    const senderAccepted = await sink.accepted();

    // the same raw messages, straight from the log, for nodemailer alone
    db = await openDatabase(target);
    const rows = await db.query<{ envelope_from: string; envelope_to: string[]; raw: Buffer }>(
      'SELECT envelope_from, envelope_to, raw FROM outbound_mail ORDER BY id',
    );
    await db.close();
    const file = join(BENCH_DATA, `send-raw-${engine}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        rows.map((r) => ({
          from: r.envelope_from,
          to: r.envelope_to,
          raw: Buffer.from(r.raw).toString('base64'),
        })),
      ),
    );
    const meanMime = rows.reduce((n, r) => n + Buffer.from(r.raw).length, 0) / Math.max(1, rows.length);
    note(`[${engine}] nodemailer alone, same ${rows.length} messages…`);
    const baseline = await runMeasured(
      process.execPath,
      ['--import', 'tsx', THIS_FILE, '--baseline', file, String(sink.port), String(connections)],
      { cwd: REPO_ROOT },
    );
    rmSync(file, { force: true });
    if (baseline.code !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
    const raw = JSON.parse(baseline.stdout) as { seconds: number; messages: number };
    const baselineAccepted = (await sink.accepted()) - senderAccepted;
    const senderSeconds = Math.max(0.001, sent.seconds - startup.seconds);
    const result = JSON.parse(sent.stdout) as { sent: number };
    return {
      engine,
      messages,
      seed_seconds: seeded.seconds,
      load_average: { before: loadBefore, after: loadavg()[0]! },
      sender: {
        wall_seconds: sent.seconds,
        startup_seconds: startup.seconds,
        seconds: senderSeconds,
        messages_per_second: result.sent / senderSeconds,
        peak_rss_bytes: sent.peakRss,
        cpu_ms_per_message:
          sent.cpuSeconds !== null && startup.cpuSeconds !== null
            ? ((sent.cpuSeconds - startup.cpuSeconds) * 1000) / Math.max(1, result.sent)
            : null,
        result,
        accepted_by_sink: senderAccepted,
        mean_mime_bytes: Math.round(meanMime),
      },
      nodemailer: {
        seconds: raw.seconds,
        messages_per_second: raw.messages / raw.seconds,
        peak_rss_bytes: baseline.peakRss,
        accepted_by_sink: baselineAccepted,
        cpu_ms_per_message: baseline.cpuSeconds !== null ? (baseline.cpuSeconds * 1000) / raw.messages : null,
      },
      ratio_to_nodemailer: result.sent / senderSeconds / (raw.messages / raw.seconds),
    };
  } finally {
    await sink.stop();
    rmSync(keyFile, { force: true });
  }
}

export async function run(ctx: BenchContext): Promise<number> {
  const { values } = parseFlags(ctx.argv, {
    messages: { type: 'string' },
    engines: { type: 'string' },
    connections: { type: 'string' },
    keep: { type: 'boolean' },
    'pg-url': { type: 'string' },
  });
  const messages = positive(values.messages, 10_000, '--messages');
  const connections = positive(values.connections, 5, '--connections');
  const results: EngineFigures[] = await forEachEngine(
    parseEngines(values.engines),
    { suite: 'send', adminUrl: values['pg-url'] ?? DEFAULT_ADMIN_URL, keep: values.keep ?? false },
    (engine, store) => benchEngine(engine, store, messages, connections, (l) => ctx.note(l)),
  );
  const goals = { messages_per_second: 300, ratio_to_nodemailer: 0.8 };
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const path = writeResult('send', {
    messages,
    connections,
    goals,
    results,
    git: git.status === 0 ? git.stdout.trim() : null,
  });
  if (ctx.json) {
    ctx.printJson({ messages, connections, goals, results, file: path });
    return 0;
  }
  ctx.print(
    formatTable(
      [
        'engine',
        'sender msg/s',
        'sender s',
        'CPU ms/msg',
        'peak RSS',
        'nodemailer msg/s',
        'CPU ms/msg',
        'nodemailer RSS',
        'ratio',
        'load',
      ],
      results.map((r) => [
        r.engine,
        r.sender.messages_per_second.toFixed(0),
        r.sender.seconds.toFixed(1),
        r.sender.cpu_ms_per_message?.toFixed(1) ?? 'n/a',
        formatBytes(r.sender.peak_rss_bytes),
        r.nodemailer.messages_per_second.toFixed(0),
        r.nodemailer.cpu_ms_per_message?.toFixed(2) ?? 'n/a',
        formatBytes(r.nodemailer.peak_rss_bytes),
        r.ratio_to_nodemailer.toFixed(2),
        `${r.load_average.before.toFixed(1)}→${r.load_average.after.toFixed(1)}`,
      ]),
    ),
  );
  const m = machine();
  ctx.print(
    `\n${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.node}; goals ≥ 300 msg/s and ≥ 0.8× nodemailer`,
  );
  ctx.print(`Written to ${path}`);
  return 0;
}

// Child process modes (this file is also the sink and the baseline sender).
if (process.argv[1] === THIS_FILE) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--sink') await sinkMain();
  else if (mode === '--baseline') await baselineMain(rest[0]!, Number(rest[1]), Number(rest[2]));
}
