/** Placeholder: being built (issue 7). */
import type { User } from '../session.ts';

export function Campaigns(_props: { user?: User | null }) {
  return <p>…</p>;
}
