/** The roles of an organisation's members, lowest first: viewer < operator < admin. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** A member's role in an organisation. */
export type Role = (typeof ROLES)[number];

/** The rank of a role: a higher rank includes every right of the lower ones. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role) + 1;
}

/** Whether `value` names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
