import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Db } from '../platform/db/index.ts';
import { openDatabase, resolveDbTarget } from '../platform/db/index.ts';
import { UsageError } from '../platform/errors.ts';

/** What every command gets: parsed global flags, output helpers and a lazily opened database. */
export interface CommandContext {
  /** Arguments after the command name, global flags removed. */
  readonly argv: string[];
  readonly json: boolean;
  readonly dbTarget: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** Opens (once) and migrates the database named by --db / DUNWELL_DB. */
  db(): Promise<Db>;
  /** A line of human output on stdout (suppressed in --json mode). */
  print(line?: string): void;
  /** The one JSON document of --json mode. */
  printJson(value: unknown): void;
  /** Progress and notices go to stderr, never stdout. */
  note(line: string): void;
  /** True when a progress bar may be drawn (stderr is a TTY and not --json). */
  readonly interactive: boolean;
}

export interface Command {
  readonly summary: string;
  /** Usage lines shown by `dunwell help COMMAND` and on usage errors. */
  readonly usage: string;
  run(ctx: CommandContext): Promise<number | undefined>;
}

export function defineCommand(command: Command): Command {
  return command;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's own flags strictly: an unknown flag or a missing value is a usage error
 * that names the flag (exit 2).
 */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function createContext(
  argv: string[],
  flags: { json: boolean; db: string | undefined },
  io: { stdout: CommandContext['stdout']; stderr: CommandContext['stderr']; env: NodeJS.ProcessEnv },
): CommandContext & { closeDb(): Promise<void> } {
  let opened: Promise<Db> | undefined;
  const dbTarget = resolveDbTarget(flags.db, io.env);
  return {
    argv,
    json: flags.json,
    dbTarget,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    interactive: !flags.json && Boolean(io.stderr.isTTY),
    db() {
      opened ??= openDatabase(dbTarget);
      return opened;
    },
    print(line = '') {
      if (!flags.json) io.stdout.write(`${line}\n`);
    },
    printJson(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      io.stderr.write(`${line}\n`);
    },
    async closeDb() {
      if (opened) await (await opened).close();
    },
  };
}
