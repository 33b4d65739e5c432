import { z } from 'zod'

/** What an API key is for. Fixed set; a key has exactly one. */
export const apiRoleSchema = z.enum(['agent', 'auditor', 'approver', 'admin'])
export type ApiRole = z.infer<typeof apiRoleSchema>

/** What a route needs. Routes name a permission, never a role, so the matrix lives in one place. */
export type Permission = 'decide' | 'read' | 'verify' | 'approve'

/**
 * The roles matrix. An agent key can only use the decision API; an auditor reads and verifies but
 * cannot approve; an approver reads and approves; an admin can do everything.
 */
export const permissionsByRole: Readonly<Record<ApiRole, readonly Permission[]>> = {
  agent: ['decide'],
  auditor: ['read', 'verify'],
  approver: ['read', 'verify', 'approve'],
  admin: ['decide', 'read', 'verify', 'approve'],
}

/**
 * True when `role` grants `permission`.
 *
 * @example
 * roleAllows('auditor', 'approve') // false
 */
export function roleAllows(role: ApiRole, permission: Permission): boolean {
  return permissionsByRole[role].includes(permission)
}
