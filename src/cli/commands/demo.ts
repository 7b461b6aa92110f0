import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  applyDemoDefaults,
  DEMO_ORGANISATION,
  demoMarker,
  generateDemoData,
  loadDemoData,
  type StoreSummary,
  setDemoOrganisation,
  storeSummary,
} from '../../demo/index.ts';
import { startServer } from '../../http/server.ts';
import { createApiKey } from '../../ledger/api-keys.ts';
import { type CalendarDate, isValidTimeZone, localDate } from '../../ledger/dates.ts';
import { type Clock, clockFromEnv } from '../../platform/clock.ts';
import { defaultPublicUrlToListener } from '../../platform/config.ts';
import { type Db, isPostgresUrl } from '../../platform/db/index.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { startWorkers } from '../../platform/workers.ts';
import { addUser, setUserPassword } from '../../users/users.ts';
import { type CommandContext, defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell demo [--port N] [--host H] [--reset [--force]]

  Creates a store with realistic demo data on first run — about 200 customers in EUR, USD
  and GBP, 5,000 invoices over 18 months, payments, credit notes, disputes and promises —
  plus the default campaigns and templates, then serves it like "dunwell serve" (web UI,
  portal, REST API, scheduler, outbox sender). Later runs reuse the store as it is.

  --port N     port to listen on (default: $DUNWELL_PORT, else 3000; 0 picks a free one)
  --host H     address to listen on (default: $DUNWELL_HOST, else 127.0.0.1; 0.0.0.0 for all)
  --reset      delete the store and create the demo data afresh (an embedded directory is
               deleted; a PostgreSQL database is only wiped if it has no customers, or with --force)
  --force      with --reset on PostgreSQL: drop every table of the database's public schema`;

function parsePort(text: string | undefined, env: NodeJS.ProcessEnv): number {
  const value = text ?? env.DUNWELL_PORT ?? '3000';
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535) {
    throw new UsageError(
      `${text === undefined ? 'DUNWELL_PORT' : '--port'} "${value}" is not a port number (0–65535)`,
    );
  }
  return Number(value);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes an embedded store directory, refusing anything that is not one (so a mistyped
 * --db never deletes someone's files) and a store another process has open.
 */
function deleteEmbeddedStore(dir: string): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!entries.includes('PG_VERSION')) {
    throw new UserError(
      `--reset: ${dir} does not look like a Dunwell data directory (no PG_VERSION); ` +
        'not deleting it — point --db at the demo store, or remove the directory yourself',
    );
  }
  const pidFile = join(dir, 'dunwell.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new UserError(
        `--reset: the store ${dir} is in use by process ${pid} (a running "dunwell serve" or "demo"?); stop it first`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Empties a PostgreSQL database for --reset: refuses when it holds customers, unless forced. */
async function resetPostgres(ctx: CommandContext, db: Db, force: boolean): Promise<void> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
  const customers = row?.n ?? 0;
  if (customers === 0) return;
  if (!force) {
    throw new UserError(
      `--reset: the PostgreSQL database ${db.location} holds ${customers} customers; refusing to wipe it. ` +
        'Add --force to drop every table in its public schema and start the demo afresh, or use another --db',
    );
  }
  ctx.note(`Dropping every table in the public schema of ${db.location} (--reset --force)…`);
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await migrate(db);
}

async function organisationToday(db: Db, clock: Clock): Promise<CalendarDate> {
  const [org] = await db.query<{ time_zone: string }>('SELECT time_zone FROM organisation WHERE id = 1');
  const zone = org && isValidTimeZone(org.time_zone) ? org.time_zone : DEMO_ORGANISATION.timeZone;
  return localDate(clock.now(), zone);
}

function printSummary(ctx: CommandContext, summary: StoreSummary): void {
  ctx.print(`  customers ${summary.customers}, invoices ${summary.invoices}`);
  for (const [currency, ar] of Object.entries(summary.openAr)) {
    ctx.print(`  open AR ${currency} ${ar.amount} on ${ar.invoices} invoices`);
  }
}

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is already in use; stop what runs there or pick another with --port',
  EACCES: 'needs more privileges; pick a port above 1023 with --port',
  EADDRNOTAVAIL: 'is not an address of this machine; use --host 127.0.0.1 or 0.0.0.0',
  ENOTFOUND: 'is not a known host name; use --host 127.0.0.1 or 0.0.0.0',
};

async function listen(deps: Parameters<typeof startServer>[0]) {
  try {
    return await startServer(deps);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = LISTEN_ERRORS[code];
    if (why)
      throw new UserError(`cannot listen on ${deps.host ?? '127.0.0.1'}:${deps.port}: that address ${why}`);
    throw err;
  }
}

export default defineCommand({
  summary: 'create (once) and serve an embedded store with realistic demo data',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(
      ctx.argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        reset: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      true,
    );
    if (positionals.length > 0)
      throw new UsageError(`demo takes no arguments (got "${positionals[0]}")\n${USAGE}`);
    if (values.force && !values.reset) throw new UsageError('--force only goes with --reset');
    const port = parsePort(values.port, ctx.env);
    const host = values.host ?? (ctx.env.DUNWELL_HOST || '127.0.0.1');
    defaultPublicUrlToListener(ctx.env, host, port);
    const clock = clockFromEnv(ctx.env);
    const postgres = isPostgresUrl(ctx.dbTarget);

    if (values.reset && !postgres && ctx.dbTarget !== 'memory://') deleteEmbeddedStore(resolve(ctx.dbTarget));
    const db = await ctx.db();
    if (values.reset && postgres) await resetPostgres(ctx, db, values.force ?? false);

    const [existing] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    let loaded: { today: CalendarDate; seconds: number } | null = null;
    let apiKey: string | null = null;
    if ((existing?.n ?? 0) === 0) {
      const started = performance.now();
      ctx.note(`Creating the demo store in ${db.location}…`);
      await setDemoOrganisation(db);
      await applyDemoDefaults(db);
      const today = await organisationToday(db, clock);
      const data = generateDemoData({ today });
      try {
        await loadDemoData(db, data, { onProgress: (step) => ctx.note(`  loading ${step}…`) });
      } catch (err) {
        throw new UserError(
          `loading the demo data into ${db.location} failed: ${(err as Error).message}. ` +
            `The store may be partly filled; run "dunwell demo --reset${postgres ? ' --force' : ''}" to start again`,
        );
      }
      loaded = { today, seconds: (performance.now() - started) / 1000 };
      // An embedded store serves one process at a time, so `dunwell apikeys create` cannot
      // run beside the demo: the first start hands out a key to try the API with.
      apiKey = (await createApiKey(db, 'demo')).key;
    } else if (await demoMarker(db)) {
      // Only a store the demo created gets defaults added; anyone else's data is served as is.
      const installed = await applyDemoDefaults(db);
      if (installed.campaigns > 0)
        ctx.note(`Applied the ${installed.campaigns} default campaigns (none were active).`);
      if (installed.templates > 0)
        ctx.note(`Installed the ${installed.templates} default templates (none were saved).`);
    }

    const summary = await storeSummary(db);
    const marker = await demoMarker(db);
    // The demo's workspace account: a fresh password on every start (printed below), since an
    // embedded store cannot be reached by `dunwell users password` while the demo runs.
    let demoLogin: { email: string; password: string } | null = null;
    if (marker) {
      const email = 'admin@demo.example';
      const [known] = await db.query<{ id: number }>('SELECT id FROM users WHERE lower(email) = $1', [email]);
      const password = known
        ? (await setUserPassword(db, email)).generatedPassword
        : (await addUser(db, { email, role: 'admin', name: 'Demo admin' })).generatedPassword;
      if (password) demoLogin = { email, password };
    }
    if (loaded) {
      ctx.print(`Demo data created as of ${loaded.today} in ${loaded.seconds.toFixed(1)} s:`);
    } else if (marker) {
      ctx.print(
        `Reusing the demo store in ${db.location} (created as of ${marker.today}; --reset starts afresh):`,
      );
    } else {
      ctx.print(`The store in ${db.location} already holds data; serving it as it is (no demo data added):`);
    }
    printSummary(ctx, summary);

    // Like `dunwell serve`: the HTTP server plus the background workers (scheduler, outbox
    // sender…). Every demo address ends in .example, so nothing can reach a real mailbox.
    const workers = await startWorkers({ db, clock, log: (line) => ctx.note(line) });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await listen({ db, clock, port, host });
    } catch (err) {
      await workers.stop();
      throw err;
    }
    // Listen for Ctrl+C / SIGTERM before the URL is printed: whoever reads it may stop us at once.
    const stopped = new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (ctx.json) {
      ctx.printJson({
        url: server.url,
        store: db.location,
        created: loaded !== null,
        as_of: loaded?.today ?? marker?.today ?? null,
        seconds: loaded ? Number(loaded.seconds.toFixed(2)) : null,
        customers: summary.customers,
        invoices: summary.invoices,
        open_ar: Object.fromEntries(Object.entries(summary.openAr).map(([c, v]) => [c, v.amount])),
        api_key: apiKey,
        workspace: demoLogin ? { url: `${server.url}/app`, ...demoLogin } : null,
        workers: workers.names,
      });
    }
    ctx.print('');
    ctx.print(`Dunwell demo is running at ${server.url}`);
    if (demoLogin) {
      ctx.print(
        `  Workspace:     ${server.url}/app  (sign in as ${demoLogin.email} with ${demoLogin.password}; a new password each start)`,
      );
    }
    ctx.print(`  API reference: ${server.url}/api/docs  (OpenAPI: ${server.url}/api/openapi.json)`);
    if (apiKey)
      ctx.print(`  API key:       ${apiKey}   (shown once; send it as "Authorization: Bearer <key>")`);
    ctx.print(
      postgres
        ? '  More keys:     ./bin/dunwell apikeys create NAME'
        : '  More keys:     stop the demo, run ./bin/dunwell apikeys create NAME, start it again (the embedded store serves one process at a time)',
    );
    if (workers.names.length > 0) ctx.print(`  Workers:       ${workers.names.join(', ')}`);
    ctx.print('Press Ctrl+C to stop.');

    await stopped;
    ctx.note('Stopping…');
    // HTTP first (no new work), then the workers; the CLI frame closes the database.
    await server.close();
    await workers.stop();
    return 0;
  },
});
