// The central operator's active view grants (break-glass or a committee approval): the live
// view of a unit's camera needs one.
import { listGrants } from "./api";
import type { GrantOut } from "./api";
import { call, currentUser } from "./session";

export async function myViewGrants(): Promise<GrantOut[]> {
  const me = currentUser();
  if (!me) return [];
  const page = await call(() =>
    listGrants({ query: { active: true, grantee_id: me.account_id, page_size: 100 } }),
  );
  return page.items.filter((g) => g.scopes.includes("view"));
}

/** The first grant covering every one of `cameras`. */
export function grantFor(grants: GrantOut[], cameras: string[]): GrantOut | undefined {
  return grants.find((g) => cameras.every((c) => g.camera_ids.includes(c)));
}
