import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NotFoundError, UsageError, UserError } from '../platform/errors.ts';
import { type Command, createContext } from './command.ts';

/** The commands, in the order `dunwell help` lists them. Each lives in commands/<name>.ts. */
const COMMANDS: readonly (readonly [string, string])[] = [
  ['serve', 'run the web UI, portal, REST API, scheduler and outbox sender'],
  ['demo', 'create (once) and serve an embedded store with realistic demo data'],
  ['import', 'import customers, contacts, invoices, payments or credit-notes from CSV'],
  ['campaigns', 'apply, export or print the schema of campaign definitions'],
  ['templates', 'apply, export or preview message templates'],
  ['run', 'plan (and send) the day’s messages and tasks'],
  ['forecast', 'what the engine would send on each coming day'],
  ['send', 'drain the outbox'],
  ['outbox', 'list planned and sent messages'],
  ['inbound', 'process inbound mail (replies, auto-replies, bounces)'],
  ['reconcile', 'import a bank statement and match payments to invoices'],
  ['report', 'AR reports: aging, metrics, campaigns'],
  ['bench', 'performance suites'],
  ['apikeys', 'create and list API keys'],
  ['dkim', 'generate a DKIM key pair and its DNS record'],
  ['invoices', 'dispute, resolve or promise payment of an invoice'],
  ['customers', 'pause or resume dunning for a customer'],
  ['tasks', 'list and complete collector tasks'],
  ['users', 'manage user accounts'],
];

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function helpText(): string {
  const lines = [
    'Usage: dunwell COMMAND [options]',
    '',
    'Global options: --db URL|DIR (default: $DUNWELL_DB, else ./dunwell-data)  --json  --help',
    '',
    'Commands:',
  ];
  for (const [name, summary] of COMMANDS) {
    if (existsSync(join(COMMANDS_DIR, `${name}.ts`))) lines.push(`  ${name.padEnd(11)} ${summary}`);
  }
  lines.push('', 'Run "dunwell help COMMAND" for a command’s options.');
  return lines.join('\n');
}

async function loadCommand(name: string): Promise<Command> {
  const file = join(COMMANDS_DIR, `${name}.ts`);
  if (!COMMANDS.some(([n]) => n === name) || !existsSync(file)) {
    throw new UsageError(`unknown command "${name}"; run "dunwell help" for the list`);
  }
  const mod = (await import(pathToFileURL(file).href)) as { default: Command };
  return mod.default;
}

/** Pulls the global flags (--db, --json, --help) out of argv wherever they stand. */
function splitGlobalFlags(argv: string[]): { rest: string[]; json: boolean; db?: string; help: boolean } {
  const rest: string[] = [];
  let json = false;
  let help = false;
  let db: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--db') {
      db = argv[++i];
      if (db === undefined || db.startsWith('--'))
        throw new UsageError('--db needs a value (a directory or postgres:// URL)');
    } else if (arg.startsWith('--db=')) db = arg.slice(5);
    else rest.push(arg);
  }
  return db === undefined ? { rest, json, help } : { rest, json, db, help };
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 a failure the user must fix, 2 usage. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  let ctx: ReturnType<typeof createContext> | undefined;
  try {
    const { rest, json, db, help } = splitGlobalFlags(argv);
    const [name, ...args] = rest;
    if (!name || name === 'help') {
      if (args[0]) {
        const cmd = await loadCommand(args[0]);
        io.stdout.write(`${cmd.usage}\n`);
      } else io.stdout.write(`${helpText()}\n`);
      return 0;
    }
    if (name === '--version' || name === 'version') {
      io.stdout.write('dunwell 0.1.0\n');
      return 0;
    }
    const command = await loadCommand(name);
    if (help) {
      io.stdout.write(`${command.usage}\n`);
      return 0;
    }
    ctx = createContext(args, { json, db }, io);
    return (await command.run(ctx)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`dunwell: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UserError || err instanceof NotFoundError) {
      io.stderr.write(`dunwell: ${err.message}\n`);
      return 1;
    }
    // a full disk (SQLSTATE 53100 from the database, ENOSPC from a file): the cause, not a stack trace
    const code = (err as { code?: unknown }).code;
    if (code === '53100' || code === 'ENOSPC') {
      io.stderr.write(
        `dunwell: out of disk space: ${(err as Error).message}; free some space and run it again\n`,
      );
      return 1;
    }
    io.stderr.write(`dunwell: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await ctx?.closeDb().catch(() => {});
  }
}
