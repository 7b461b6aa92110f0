/**
 * Managing workspace users from Settings (admins only): list, add with a role (a generated
 * password, shown once), change a role, disable and enable. The one rule the workspace adds to
 * src/users: the last active admin can be neither demoted nor disabled, or nobody could manage
 * the workspace any more. The check and the change are one transaction that locks the active
 * admins' rows, so two admins demoting each other at once cannot both succeed.
 */
import type { Db } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { checkRole, setUserDisabled, setUserRole, type User } from '../users/users.ts';

export class LastAdminError extends UserError {}

export async function updateWorkspaceUser(
  db: Db,
  id: number,
  change: { role?: string | undefined; disabled?: boolean | undefined },
): Promise<User> {
  const role = change.role === undefined ? undefined : checkRole(change.role);
  return db.transaction(async (tx) => {
    const admins = await tx.query<{ id: number }>(
      "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE",
    );
    const [user] = await tx.query<User & Record<string, unknown>>(
      'SELECT id, email, name, role, created_at, disabled_at FROM users WHERE id = $1',
      [id],
    );
    if (!user) throw new NotFoundError(`no user with id ${id}`);
    const activeAdmin = user.role === 'admin' && user.disabled_at === null;
    const losesAdmin = (role !== undefined && role !== 'admin') || change.disabled === true;
    if (activeAdmin && losesAdmin && admins.length <= 1) {
      throw new LastAdminError(
        `${user.email} is the last active admin; make another user admin first, or nobody could manage the workspace`,
      );
    }
    let updated: User = user;
    if (role !== undefined && role !== user.role) updated = await setUserRole(tx, user.email, role);
    if (change.disabled !== undefined && change.disabled !== (user.disabled_at !== null)) {
      updated = await setUserDisabled(tx, user.email, change.disabled);
    }
    return updated;
  });
}
