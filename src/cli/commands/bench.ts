import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../../platform/errors.ts';
import { defineCommand } from '../command.ts';

/** Suites are bench/<suite>.ts files exporting `run(ctx)` (see bench/support/context.ts). */
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench');

function suites(): string[] {
  if (!existsSync(BENCH_DIR)) return [];
  return readdirSync(BENCH_DIR)
    .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

interface Suite {
  run(ctx: Parameters<Parameters<typeof defineCommand>[0]['run']>[0]): Promise<number | undefined>;
}

export default defineCommand({
  summary: 'performance suites',
  usage: `Usage: dunwell bench SUITE [suite flags]   (also: npm run bench -- SUITE …)

Runs a performance suite and writes its figures to bench-results/SUITE.json.
Suites: ${suites().join(', ') || '(none found)'}
Example: dunwell bench import --rows 100000 --engines pglite,postgres`,
  async run(ctx) {
    const [suite, ...rest] = ctx.argv;
    const available = suites();
    if (!suite || suite.startsWith('-')) {
      throw new UsageError(`bench needs a suite: ${available.join(', ')} (e.g. dunwell bench import)`);
    }
    if (!available.includes(suite)) {
      throw new UsageError(`unknown bench suite "${suite}"; available: ${available.join(', ')}`);
    }
    const mod = (await import(pathToFileURL(join(BENCH_DIR, `${suite}.ts`)).href)) as Partial<Suite>;
    if (typeof mod.run !== 'function') throw new Error(`bench/${suite}.ts does not export run(ctx)`);
    return mod.run({ ...ctx, argv: rest });
  },
});
