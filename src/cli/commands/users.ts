import { UsageError } from '../../platform/errors.ts';
import { updateWorkspaceUser } from '../../settings/users.ts';
import {
  addUser,
  getUserByEmail,
  listUsers,
  setUserPassword,
  USER_ROLES,
  type User,
} from '../../users/users.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage:
  dunwell users add EMAIL --role admin|collector|viewer [--name NAME] [--password-stdin]
  dunwell users list
  dunwell users role EMAIL admin|collector|viewer
  dunwell users disable EMAIL | enable EMAIL
  dunwell users password EMAIL [--password-stdin]

Workspace accounts. Without --password-stdin a random password is generated and printed once;
with it, the password is read from standard input (at least 12 characters), so it never
appears in the shell history or the process list. Changing a role or password, or disabling
a user, ends that user's sessions. --json prints machine-readable output.`;

async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const show = (u: User) =>
  `${u.email}  ${u.role}${u.name ? `  ${u.name}` : ''}${u.disabled_at ? '  (disabled)' : ''}`;

export default defineCommand({
  summary: 'add and manage workspace users (admin, collector, viewer)',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      role: { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    });
    const [action, email, extra, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`);
    const needEmail = () => {
      if (!email) throw new UsageError(`users ${action} needs an EMAIL\n${USAGE}`);
      return email;
    };
    const password = values['password-stdin'] ? await readStdin() : undefined;
    switch (action) {
      case 'add': {
        if (!values.role) throw new UsageError(`users add needs --role ${USER_ROLES.join('|')}\n${USAGE}`);
        if (extra) throw new UsageError(`unexpected argument "${extra}"\n${USAGE}`);
        const { user, generatedPassword } = await addUser(await ctx.db(), {
          email: needEmail(),
          role: values.role,
          ...(values.name === undefined ? {} : { name: values.name }),
          ...(password === undefined ? {} : { password }),
        });
        if (ctx.json) ctx.printJson({ ...user, password: generatedPassword });
        ctx.print(`Added ${show(user)}.`);
        if (generatedPassword) {
          ctx.print(`  Password (shown once): ${generatedPassword}`);
          ctx.print(
            '  Ask the user to change it after signing in ("dunwell users password EMAIL" resets it).',
          );
        }
        return 0;
      }
      case 'list': {
        if (email) throw new UsageError(`users list takes no argument\n${USAGE}`);
        const users = await listUsers(await ctx.db());
        if (ctx.json) ctx.printJson(users);
        if (users.length === 0)
          ctx.print('No users yet; add one with "dunwell users add EMAIL --role admin".');
        for (const u of users) ctx.print(show(u));
        return 0;
      }
      case 'role': {
        if (!extra)
          throw new UsageError(`users role needs EMAIL and a role (${USER_ROLES.join(', ')})\n${USAGE}`);
        // the workspace's rule here too: the last active admin is never demoted
        const db = await ctx.db();
        const user = await updateWorkspaceUser(db, (await getUserByEmail(db, needEmail())).id, {
          role: extra,
        });
        if (ctx.json) ctx.printJson(user);
        ctx.print(`${user.email} is now ${user.role}; their sessions were ended.`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        if (extra) throw new UsageError(`unexpected argument "${extra}"\n${USAGE}`);
        const db = await ctx.db();
        const user = await updateWorkspaceUser(db, (await getUserByEmail(db, needEmail())).id, {
          disabled: action === 'disable',
        });
        if (ctx.json) ctx.printJson(user);
        ctx.print(
          action === 'disable'
            ? `Disabled ${user.email}; their sessions were ended.`
            : `Enabled ${user.email}.`,
        );
        return 0;
      }
      case 'password': {
        if (extra) throw new UsageError(`unexpected argument "${extra}"\n${USAGE}`);
        const { user, generatedPassword } = await setUserPassword(await ctx.db(), needEmail(), password);
        if (ctx.json) ctx.printJson({ ...user, password: generatedPassword });
        ctx.print(`Password of ${user.email} changed; their sessions were ended.`);
        if (generatedPassword) ctx.print(`  New password (shown once): ${generatedPassword}`);
        return 0;
      }
      default:
        throw new UsageError(
          `${action ? `unknown users action "${action}"` : 'users needs an action'}\n${USAGE}`,
        );
    }
  },
});
