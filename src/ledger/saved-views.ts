/**
 * Saved views of the customer list: a name plus the list's filter and sort state, stored per
 * user on the server. A view is private to its owner unless shared, then the whole team lists
 * it; only the owner renames, changes, shares or deletes it. Names are unique per owner (any case).
 */
import type { Queryable } from '../platform/db/index.ts';
import { ForbiddenError, NotFoundError, UserError } from '../platform/errors.ts';

export interface SavedView {
  id: number;
  name: string;
  shared: boolean;
  /** the list's filter and sort, as the API's CustomerFilter JSON */
  state: Record<string, unknown>;
  owner: string;
  /** true when the caller owns it (and so may change it) */
  mine: boolean;
  created_at: string;
  updated_at: string;
}

const MAX_VIEWS_PER_USER = 200;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100 || /\p{Cc}/u.test(trimmed)) {
    throw new UserError('name: give a view name of 1–100 characters without control characters');
  }
  return trimmed;
}

const SELECT = (caller: string) => `
  SELECT v.id::int AS id, v.name, v.shared, v.state, u.email AS owner, (v.owner_user_id = ${caller}) AS mine,
         v.created_at, v.updated_at
    FROM saved_views v JOIN users u ON u.id = v.owner_user_id`;

/** The caller's own views and the team's shared ones, by name. userId null (an API key): shared only. */
export async function listSavedViews(db: Queryable, userId: number | null): Promise<SavedView[]> {
  return db.query<SavedView & Record<string, unknown>>(
    `${SELECT('$1::bigint')} WHERE v.owner_user_id = $1::bigint OR v.shared
      ORDER BY lower(v.name), v.id`,
    [userId],
  );
}

async function uniqueName(
  db: Queryable,
  ownerId: number,
  name: string,
  exceptId: number | null,
): Promise<void> {
  const [clash] = await db.query<{ id: number }>(
    'SELECT id FROM saved_views WHERE owner_user_id = $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3::bigint',
    [ownerId, name, exceptId],
  );
  if (clash) throw new UserError(`name: you already have a view called "${name}"; pick another name`);
}

export async function createSavedView(
  db: Queryable,
  input: { ownerId: number; name: string; shared: boolean; state: Record<string, unknown> },
): Promise<SavedView> {
  const name = checkName(input.name);
  await uniqueName(db, input.ownerId, name, null);
  const [count] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM saved_views WHERE owner_user_id = $1',
    [input.ownerId],
  );
  if ((count?.n ?? 0) >= MAX_VIEWS_PER_USER) {
    throw new UserError(`you have ${MAX_VIEWS_PER_USER} saved views already; delete some first`);
  }
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO saved_views (owner_user_id, name, shared, state) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [input.ownerId, name, input.shared, JSON.stringify(input.state)],
  );
  if (!row) throw new UserError(`name: you already have a view called "${name}"; pick another name`);
  return getOwned(db, Number(row.id), input.ownerId);
}

async function getOwned(db: Queryable, id: number, callerId: number): Promise<SavedView> {
  const [view] = await db.query<SavedView & { owner_user_id?: number } & Record<string, unknown>>(
    `${SELECT('$2::bigint')} WHERE v.id = $1 AND (v.owner_user_id = $2::bigint OR v.shared)`,
    [id, callerId],
  );
  if (!view)
    throw new NotFoundError(`no saved view ${id}; GET /api/v1/saved-views lists yours and the shared ones`);
  return view;
}

export async function updateSavedView(
  db: Queryable,
  input: { id: number; callerId: number; name?: string; shared?: boolean; state?: Record<string, unknown> },
): Promise<SavedView> {
  const view = await getOwned(db, input.id, input.callerId);
  if (!view.mine)
    throw new ForbiddenError(`view ${input.id} is ${view.owner}'s; only its owner may change it`);
  const name = input.name === undefined ? view.name : checkName(input.name);
  if (name.toLowerCase() !== view.name.toLowerCase()) await uniqueName(db, input.callerId, name, input.id);
  await db.execute(
    'UPDATE saved_views SET name = $2, shared = $3, state = $4::jsonb, updated_at = now() WHERE id = $1',
    [input.id, name, input.shared ?? view.shared, JSON.stringify(input.state ?? view.state)],
  );
  return getOwned(db, input.id, input.callerId);
}

export async function deleteSavedView(db: Queryable, input: { id: number; callerId: number }): Promise<void> {
  const view = await getOwned(db, input.id, input.callerId);
  if (!view.mine)
    throw new ForbiddenError(`view ${input.id} is ${view.owner}'s; only its owner may delete it`);
  await db.execute('DELETE FROM saved_views WHERE id = $1 AND owner_user_id = $2', [
    input.id,
    input.callerId,
  ]);
}
