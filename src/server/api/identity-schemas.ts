import { z } from '@hono/zod-openapi';
import { PROJECT_ROLES } from '../auth/permissions.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/passwords.js';

/** Request and response shapes for users, sessions, members, secrets and the audit log. */

/** Names that become parts of paths and URLs: no `/`, no `..`, no leading dot or dash. */
export const Username = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use lower-case letters, digits, ".", "_" and "-" (at most 63), starting with a letter or digit');
const Password = z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH);
export const Role = z.enum(PROJECT_ROLES);
/** As GitHub: letters, digits and _, not starting with a digit; stored upper-case. */
export const SecretName = z
  .string()
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and _, not starting with a digit')
  .refine((name) => !/^(GITHUB|DEPLOYLITE)_/i.test(name), 'names starting with GITHUB_ or DEPLOYLITE_ are reserved');
export const EnvironmentName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes (at most 63)');

export const LoginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict().openapi('Login');
export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) }).strict().openapi('Refresh');
export const Session = z
  .object({
    accessToken: z.string(),
    accessTokenExpiresAt: z.number(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.number(),
    user: z.object({ id: z.number().int(), username: z.string(), isAdmin: z.boolean() }),
  })
  .openapi('Session');

export const Whoami = z
  .object({ name: z.string(), kind: z.string(), username: z.string().nullable(), isAdmin: z.boolean(), projects: z.record(z.string(), Role) })
  .openapi('Whoami');

export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH), newPassword: Password }).strict().openapi('ChangePassword');

export const User = z
  .object({ id: z.number().int(), username: z.string(), isAdmin: z.boolean(), disabled: z.boolean(), createdAt: z.number() })
  .openapi('User');
export const CreateUserBody = z.object({ username: Username, password: Password, isAdmin: z.boolean().default(false) }).strict().openapi('CreateUser');
export const UpdateUserBody = z.object({ password: Password.optional(), isAdmin: z.boolean().optional(), disabled: z.boolean().optional() }).strict().openapi('UpdateUser');

export const Member = z.object({ username: z.string(), role: Role, since: z.number() }).openapi('Member');
export const SetMemberBody = z.object({ role: Role }).strict().openapi('SetMember');

export const Secret = z
  .object({ name: z.string(), environment: z.string().nullable(), createdAt: z.number(), updatedAt: z.number(), updatedBy: z.string() })
  .openapi('Secret');
export const PutSecretBody = z
  .object({ value: z.string().min(1).max(65_536), environment: EnvironmentName.nullable().default(null) })
  .strict()
  .openapi('PutSecret');
export const SecretScopeQuery = z.object({ environment: EnvironmentName.optional() });

export const AuditEntry = z
  .object({
    id: z.number().int(),
    time: z.number(),
    actor: z.string(),
    action: z.string(),
    resource: z.string(),
    status: z.enum(['ok', 'denied', 'failed']),
    httpStatus: z.number().int().nullable(),
    traceId: z.string(),
    sourceIp: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');
export const AuditQuery = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  resource: z.string().max(300).optional(),
  status: z.enum(['ok', 'denied', 'failed']).optional(),
  since: z.coerce.number().int().min(0).optional(),
  until: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'jsonl']).default('json'),
});
