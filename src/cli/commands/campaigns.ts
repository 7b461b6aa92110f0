import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyCampaignFile, campaignJsonSchema, exportActiveCampaigns } from '../../campaigns/index.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell campaigns apply FILE [--json]
       dunwell campaigns export [--json]
       dunwell campaigns schema

  apply    load a campaign file (YAML or JSON); it replaces the active definitions as a
           whole, and a file with an error changes nothing
  export   print the active definitions as a campaign file (YAML; JSON with --json)
  schema   print the JSON Schema of campaign files`;

export default defineCommand({
  summary: 'apply, export or print the schema of campaign definitions',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    const { positionals } = parseFlags(rest, {});
    if (sub === 'apply') {
      if (positionals.length !== 1) throw new UsageError('campaigns apply needs one FILE');
      const file = positionals[0]!;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UserError(
          `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      const result = await applyCampaignFile(await ctx.db(), {
        text,
        fileName: basename(file),
        actor: 'cli',
      });
      if (ctx.json) ctx.printJson(result);
      else {
        ctx.print(`Applied ${file}: ${result.campaigns.length} campaign(s).`);
        for (const c of result.campaigns) {
          ctx.print(
            `  ${c.key.padEnd(20)} version ${c.version_id}  ${c.trigger ?? 'dunning'}  ${c.steps} step(s)`,
          );
        }
      }
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (sub === 'export') {
      const text = await exportActiveCampaigns(await ctx.db());
      if (ctx.json) ctx.printJson(parseYaml(text));
      else ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    }
    if (sub === 'schema') {
      ctx.printJson(campaignJsonSchema());
      return 0;
    }
    throw new UsageError(sub ? `unknown campaigns command "${sub}"; try apply, export or schema` : USAGE);
  },
});
