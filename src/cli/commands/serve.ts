import { startServer } from '../../http/server.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { defaultPublicUrlToListener } from '../../platform/config.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { startWorkers } from '../../platform/workers.ts';
import { defineCommand, parseFlags } from '../command.ts';

const ROLES = ['web', 'worker', 'all'] as const;
type Role = (typeof ROLES)[number];

const USAGE = `Usage: dunwell serve [--port N] [--host H] [--role web|worker|all]

Serves the web UI (/), the portal, the REST API (/api/v1), its reference (/api/docs) and
OpenAPI document (/api/openapi.json), and runs the background workers (scheduler, outbox
sender…). Several processes may share one PostgreSQL database: --role web serves HTTP only,
--role worker runs the workers only, --role all (default) does both.

  --port N   port to listen on (default: $DUNWELL_PORT, else 3000; 0 picks a free port)
  --host H   address to listen on (default: $DUNWELL_HOST, else 127.0.0.1; 0.0.0.0 for all)
  --role R   web, worker or all (default all)`;

function parsePort(text: string, source: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`${source} "${text}" is not a port; give a number from 0 to 65535`);
  }
  return Number(text);
}

/** Resolves when the process is asked to stop (Ctrl+C or a service manager's SIGTERM). */
function stopSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      dispose();
      resolve(received);
    };
  });
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal, dispose };
}

export default defineCommand({
  summary: 'run the web UI, portal, REST API, scheduler and outbox sender',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(
      ctx.argv,
      { port: { type: 'string' }, host: { type: 'string' }, role: { type: 'string' } },
      false,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
    const role = (values.role ?? 'all') as Role;
    if (!ROLES.includes(role)) throw new UsageError(`--role "${values.role}" is not web, worker or all`);
    const port =
      values.port !== undefined
        ? parsePort(values.port, '--port')
        : ctx.env.DUNWELL_PORT
          ? parsePort(ctx.env.DUNWELL_PORT, 'DUNWELL_PORT')
          : 3000;
    const host = values.host ?? (ctx.env.DUNWELL_HOST || '127.0.0.1');
    defaultPublicUrlToListener(ctx.env, host, port);

    // Listen for the stop signals before anything starts, so one that arrives during start-up
    // (or right after the URL is printed) still ends in a clean shutdown.
    const stop = stopSignal();
    const db = await ctx.db();
    const clock = clockFromEnv(ctx.env);
    const stops: (() => Promise<void>)[] = [];
    let url: string | null = null;
    let workerNames: string[] = [];
    try {
      if (role !== 'web') {
        const workers = await startWorkers({ db, clock, log: (line) => ctx.note(line) });
        workerNames = workers.names;
        stops.push(workers.stop);
      }
      if (role !== 'worker') {
        try {
          const server = await startServer({ db, clock, port, host, logger: true });
          url = server.url;
          stops.push(server.close);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') {
            throw new UserError(
              `port ${port} on ${host} is already in use (another "dunwell serve"?); choose another with --port or DUNWELL_PORT`,
            );
          }
          if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
            throw new UserError(
              `cannot listen on ${host}:${port} (${code}); check --host / DUNWELL_HOST and --port`,
            );
          }
          throw err;
        }
      }
      if (ctx.json) ctx.printJson({ url, role, workers: workerNames, database: db.location });
      if (url) {
        ctx.print(`Dunwell is serving at ${url}`);
        ctx.print(`  API reference: ${url}/api/docs   OpenAPI: ${url}/api/openapi.json`);
      }
      if (role !== 'web') {
        ctx.print(workerNames.length ? `  Workers: ${workerNames.join(', ')}` : '  Workers: none registered');
      }
      ctx.print(`  Database: ${db.location}   Role: ${role}   Press Ctrl+C to stop.`);
      const signal = await stop.signal;
      ctx.note(`Received ${signal}; stopping…`);
    } finally {
      stop.dispose();
      // HTTP first (no new work), then the workers; the database is closed by the CLI frame.
      for (const stop of stops.reverse()) await stop();
    }
    return 0;
  },
});
