/** Placeholder: being built (issue 7). */
import type { User } from '../session.ts';

export function ResetPassword(_props: { user?: User | null }) {
  return <p>…</p>;
}
