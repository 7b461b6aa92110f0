import type { CommandContext } from '../../src/cli/command.ts';

/**
 * What a suite's `run(ctx)` gets from `dunwell bench SUITE …`: the CLI context, with `argv`
 * holding the suite's own flags.
 */
export type BenchContext = CommandContext;

export interface BenchSuite {
  /** One line for `dunwell bench` without a suite. */
  readonly summary?: string;
  run(ctx: BenchContext): Promise<number | undefined>;
}
