/**
 * Who may call which /api/v1 route (pure). Enforced by the API's request hook
 * (src/http/auth.ts) for signed-in users; API keys are integration credentials created by an
 * admin and act with admin rights.
 *
 * - viewer: reads (GET, HEAD) only.
 * - collector: reads, plus the routes that declare `config: { minRole: 'collector' }` — the
 *   collection work (promises, disputes, pauses, tasks, inbound mail, matching bank entries).
 * - admin: everything, including routes that declare `config: { minRole: 'admin' }` even for
 *   reads (settings with secrets, users, API keys).
 *
 * A route that declares nothing is readable by every role and writable by admins only, so a
 * new route is safe by default.
 */
import type { UserRole } from './users.ts';

const RANK: Record<UserRole, number> = { viewer: 0, collector: 1, admin: 2 };
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function minimumRole(method: string, declared: UserRole | undefined): UserRole {
  if (declared) return declared;
  return READ_METHODS.has(method.toUpperCase()) ? 'viewer' : 'admin';
}

export function roleMayCall(role: UserRole, method: string, declared: UserRole | undefined): boolean {
  return RANK[role] >= RANK[minimumRole(method, declared)];
}
