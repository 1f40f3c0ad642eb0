import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { ConflictError, InvalidRequestError, NotFoundError, parseDuration } from '../../core/index.js';
import type { TokenScope } from '../../store/index.js';
import { hashPassword } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { ApiEnv } from './api-env.js';
import { findProject } from './find-project.js';
import { authorizeInHandler, sourceAddress } from './guard-middleware.js';
import * as I from './identity-schemas.js';
import { presentToken, presentUser } from './present.js';
import { body, errors, json, noContent, pathParam, security } from './route-helpers.js';
import * as S from './schemas.js';
import type { ApiServices } from './services.js';

const DAY = 24 * 60 * 60 * 1000;
const DEFAULT_TTL = { api: 90 * DAY, 'runner-registration': 7 * DAY } as const;

/** Sign-in, the caller's own account and tokens, and (for admins) users. */
export function registerAccountRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, sessions, clock } = services;
  const { identity } = store;

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/auth/login', request: body(I.LoginBody), responses: { 200: json(I.Session, 'signed in'), ...errors, 429: json(S.ErrorBody, 'too many failed logins') } }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      c.set('auditAction', 'session:login');
      c.set('auditActor', username.slice(0, 100));
      return c.json(await sessions.login(username, password, sourceAddress(c)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/auth/refresh', request: body(I.RefreshBody), responses: { 200: json(I.Session, 'a new pair of tokens'), ...errors } }),
    async (c) => {
      c.set('auditAction', 'session:refresh');
      const tokens = await sessions.refresh(c.req.valid('json').refreshToken);
      c.set('auditActor', tokens.user.username);
      return c.json(tokens, 200);
    },
  );

  app.openapi(createRoute({ method: 'post', path: '/api/v1/auth/logout', security, responses: { ...noContent, ...errors } }), async (c) => {
    const principal = c.get('principal');
    if (principal.sessionId === null) throw new InvalidRequestError('only a signed-in session can log out; revoke a token with DELETE /api/v1/tokens/{id}');
    await sessions.logout(principal.sessionId);
    return c.body(null, 204);
  });

  app.openapi(createRoute({ method: 'get', path: '/api/v1/whoami', security, responses: { 200: json(I.Whoami, 'the caller'), ...errors } }), async (c) => {
    const principal = c.get('principal');
    const user = principal.userId === null ? undefined : await identity.getUser(principal.userId);
    const names = new Map((await store.listProjects()).map((p) => [p.id, p.name]));
    const projects = Object.fromEntries([...principal.roles].flatMap(([id, role]) => (names.has(id) ? [[names.get(id) as string, role]] : [])));
    return c.json({ name: principal.name, kind: principal.kind, username: user?.username ?? null, isAdmin: principal.isAdmin, projects }, 200);
  });

  app.openapi(
    createRoute({ method: 'put', path: '/api/v1/users/me/password', security, request: body(I.ChangePasswordBody), responses: { ...noContent, ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      const user = principal.userId === null ? undefined : await identity.getUser(principal.userId);
      if (!user || principal.kind === 'admin') throw new InvalidRequestError('this credential has no password to change');
      const { currentPassword, newPassword } = c.req.valid('json');
      await sessions.confirmPassword(user, currentPassword, sourceAddress(c));
      await identity.updateUser(user.id, { passwordHash: await hashPassword(newPassword) });
      // Every session signed in with the old password ends, this one included.
      await identity.revokeUserSessions(user.id, clock.now());
      return c.body(null, 204);
    },
  );

  app.openapi(createRoute({ method: 'get', path: '/api/v1/users', security, responses: { 200: json(z.object({ users: z.array(I.User) }), 'all users'), ...errors } }), async (c) =>
    c.json({ users: (await identity.listUsers()).map(presentUser) }, 200),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/users', security, request: body(I.CreateUserBody), responses: { 201: json(I.User, 'created'), ...errors } }),
    async (c) => {
      const input = c.req.valid('json');
      c.set('resource', `user:${input.username}`);
      const user = await identity.createUser({ username: input.username, passwordHash: await hashPassword(input.password), isAdmin: input.isAdmin, createdAt: clock.now() });
      return c.json(presentUser(user), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/users/{username}',
      security,
      request: { params: pathParam('username', I.Username), ...body(I.UpdateUserBody) },
      responses: { 200: json(I.User, 'updated'), ...errors },
    }),
    async (c) => {
      const { username } = c.req.valid('param');
      c.set('resource', `user:${username}`);
      const input = c.req.valid('json');
      const user = await identity.getUserByName(username);
      if (!user) throw new NotFoundError(`user "${username}" does not exist`);
      const now = clock.now();
      const changes = {
        ...(input.password !== undefined ? { passwordHash: await hashPassword(input.password) } : {}),
        ...(input.isAdmin !== undefined ? { isAdmin: input.isAdmin } : {}),
        ...(input.disabled !== undefined ? { disabledAt: input.disabled ? (user.disabledAt ?? now) : null } : {}),
      };
      // An empty change is a no-op, not an UPDATE without a SET (which the database refuses).
      const updated = Object.keys(changes).length > 0 ? await identity.updateUser(user.id, changes) : user;
      if (input.password !== undefined || input.disabled === true || input.isAdmin === false) await identity.revokeUserSessions(user.id, now);
      return c.json(presentUser(updated ?? user), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/tokens', security, request: body(S.CreateTokenBody), responses: { 201: json(S.CreatedToken, 'the new token, shown once'), ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      const input = c.req.valid('json');
      if (input.kind === 'runner-registration') authorizeInHandler(c, services.metrics, 'runner:manage');
      const ttl = input.expiresIn === 'never' ? null : input.expiresIn !== undefined ? parseDuration(input.expiresIn) : DEFAULT_TTL[input.kind];
      if (ttl === undefined) throw new InvalidRequestError(`expiresIn: "${input.expiresIn}" is not a duration`, 'expiresIn');
      const scope = input.kind === 'api' ? await tokenScope(principal, input) : null;
      const token = newToken(input.kind);
      const now = clock.now();
      const record = await store.createToken({
        name: input.name,
        kind: input.kind,
        tokenHash: hashToken(token),
        runnerId: null,
        createdAt: now,
        expiresAt: ttl === null ? null : now + ttl,
        userId: principal.userId,
        scope,
      });
      c.set('resource', `token:${record.id}`);
      return c.json({ ...presentToken(record, await ownerName(record.userId)), token }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/tokens',
      security,
      request: { query: z.object({ all: z.enum(['true', 'false']).default('false') }) },
      responses: { 200: json(z.object({ tokens: z.array(S.Token) }), 'tokens, without their values'), ...errors },
    }),
    async (c) => {
      const principal = c.get('principal');
      const all = c.req.valid('query').all === 'true';
      if (all) authorizeInHandler(c, services.metrics, 'token:manage-all');
      const owners = new Map((await identity.listUsers()).map((u) => [u.id, u.username]));
      const tokens = (await store.listTokens())
        .filter((t) => t.kind !== 'runner' && (all || (principal.userId !== null && t.userId === principal.userId)))
        .map((t) => presentToken(t, t.userId === null ? null : (owners.get(t.userId) ?? null)));
      return c.json({ tokens }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/tokens/{id}', security, request: { params: z.object({ id: z.coerce.number().int().min(1).openapi({ param: { name: 'id', in: 'path' } }) }) }, responses: { ...noContent, ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      c.set('resource', `token:${id}`);
      const token = (await store.listTokens()).find((t) => t.id === id);
      const own = token !== undefined && principal.userId !== null && token.userId === principal.userId && token.kind !== 'admin';
      if (!token || (!own && !principal.isAdmin)) throw new NotFoundError(`token ${id} does not exist`);
      await store.revokeToken(id, clock.now());
      return c.body(null, 204);
    },
  );

  async function ownerName(userId: number | null): Promise<string | null> {
    return userId === null ? null : ((await identity.getUser(userId))?.username ?? null);
  }

  /** An API token's scope, never beyond what its creator holds: unknown or foreign projects are refused. */
  async function tokenScope(principal: Principal, input: { projects: string[] | '*'; role: TokenScope['role']; admin: boolean }): Promise<TokenScope> {
    if (principal.userId === null) throw new InvalidRequestError('this credential belongs to no user and cannot make API tokens');
    if (input.admin && !principal.isAdmin) throw new InvalidRequestError('only an admin can make a token with admin rights', 'admin');
    if (input.projects === '*') return { projects: '*', role: input.role, ...(input.admin ? { admin: true } : {}) };
    const ids: number[] = [];
    for (const name of input.projects) {
      const project = await findProject(store, name);
      if (!project || (!principal.isAdmin && !principal.roles.has(project.id))) throw new InvalidRequestError(`projects: "${name}" is not a project you are a member of`, 'projects');
      ids.push(project.id);
    }
    if (new Set(ids).size !== ids.length) throw new ConflictError('projects: a project is listed twice');
    return { projects: ids, role: input.role, ...(input.admin ? { admin: true } : {}) };
  }
}
