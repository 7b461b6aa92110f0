/**
 * Background workers run by `dunwell serve --role worker|all` (the scheduler, the outbox
 * sender, the inbound poller…). A part that runs in the background has a `src/<part>/worker.ts`
 * module that calls `registerWorker` when imported; `startWorkers` imports every such module,
 * starts what registered, and returns one function that stops them all (in reverse order).
 *
 *   // src/messages/worker.ts
 *   registerWorker('sender', async ({ db, clock }) => {
 *     const timer = setInterval(() => void drainOutbox(db, clock), 5_000);
 *     return async () => clearInterval(timer);
 *   });
 *
 * Workers coordinate through the database (row locks, SKIP LOCKED), never through memory, so
 * several processes can run them against one PostgreSQL database.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Clock } from './clock.ts';
import type { Db } from './db/index.ts';

export interface WorkerDeps {
  db: Db;
  clock: Clock;
  /** where a worker reports what it did or what failed (stderr in `dunwell serve`) */
  log(line: string): void;
}

/** Starts a worker; resolves to a function that stops it and waits for its current work. */
export type StartWorker = (deps: WorkerDeps) => Promise<() => Promise<void>>;

const workers = new Map<string, StartWorker>();

export function registerWorker(name: string, start: StartWorker): void {
  if (workers.has(name)) throw new Error(`a worker named "${name}" is already registered`);
  workers.set(name, start);
}

export function registeredWorkers(): string[] {
  return [...workers.keys()];
}

const SRC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Imports every src/<part>/worker.ts so each can register itself. */
async function loadWorkerModules(srcDir: string): Promise<void> {
  for (const part of readdirSync(srcDir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const file = join(srcDir, part.name, 'worker.ts');
    if (part.isDirectory() && existsSync(file)) await import(pathToFileURL(file).href);
  }
}

/**
 * Starts every registered worker; if one fails to start, the ones already started are stopped
 * and the error is thrown. Returns the names started and a stop function.
 */
export async function startWorkers(
  deps: WorkerDeps,
  srcDir = SRC_DIR,
): Promise<{ names: string[]; stop(): Promise<void> }> {
  await loadWorkerModules(srcDir);
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((err: unknown) =>
        deps.log(`worker ${name} did not stop cleanly: ${(err as Error).message}`),
      );
    }
    stops.length = 0;
  };
  for (const [name, start] of workers) {
    try {
      stops.push({ name, stop: await start(deps) });
    } catch (err) {
      await stopAll();
      throw new Error(`worker ${name} failed to start: ${(err as Error).message}`);
    }
  }
  return { names: stops.map((s) => s.name), stop: stopAll };
}
