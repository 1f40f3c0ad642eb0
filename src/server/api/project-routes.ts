import { randomBytes } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../core/index.js';
import type { ProjectRecord } from '../../store/index.js';
import { canSeeProject } from '../auth/principal.js';
import type { ApiEnv } from './api-env.js';
import * as I from './identity-schemas.js';
import { presentProject, presentRun } from './present.js';
import { body, errors, json, noContent, pathParam, ProjectParam, security } from './route-helpers.js';
import * as S from './schemas.js';
import type { ApiServices } from './services.js';

/** The project the guard resolved for this request (every route here has a project target). */
export function targetProject(c: { get(key: 'project'): ProjectRecord | undefined }): ProjectRecord {
  const project = c.get('project');
  if (!project) throw new Error('route has no project target in ROUTE_RULES');
  return project;
}

/** Projects, their members, and starting runs. */
export function registerProjectRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, coordinator, clock } = services;
  const { identity } = store;

  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/projects', security, request: body(S.CreateProjectBody), responses: { 201: json(S.CreatedProject, 'created'), ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      const input = c.req.valid('json');
      c.set('resource', `project:${input.name}`);
      const webhookSecret = randomBytes(24).toString('base64url');
      const project = await store.createProject({ ...input, webhookSecret, ownerUserId: principal.userId }, clock.now());
      services.onProjectCreated(project);
      const base = `${services.publicUrl()}/api/v1/projects/${project.name}/webhooks`;
      return c.json({ ...presentProject(project), webhookSecret, webhookUrls: { github: `${base}/github`, gitea: `${base}/gitea`, gitlab: `${base}/gitlab` } }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/projects', security, responses: { 200: json(z.object({ projects: z.array(S.Project) }), 'the projects the caller is a member of'), ...errors } }),
    async (c) => {
      const principal = c.get('principal');
      return c.json({ projects: (await store.listProjects()).filter((p) => canSeeProject(principal, p.id)).map(presentProject) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/projects/{project}', security, request: { params: ProjectParam }, responses: { 200: json(S.Project, 'the project'), ...errors } }),
    (c) => c.json(presentProject(targetProject(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/projects/{project}/runs',
      security,
      request: { params: ProjectParam, ...body(S.TriggerRunBody) },
      responses: { 201: json(S.Run, 'the run'), ...errors },
    }),
    async (c) => {
      const project = targetProject(c);
      const input = c.req.valid('json');
      const run = await coordinator.trigger(project, {
        ...(input.ref ? { ref: input.ref } : {}),
        variables: input.variables,
        ...(input.workflow !== undefined ? { workflow: input.workflow } : {}),
        ...(input.inputs !== undefined ? { inputs: input.inputs } : {}),
        trigger: { kind: 'manual', event: 'manual', actor: c.get('principal').name },
      });
      if (!run) throw new InvalidRequestError('the run was not started');
      c.set('resource', `run:${run.id}`);
      return c.json(presentRun(run, project.name, services.publicUrl()), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/projects/{project}/members',
      security,
      request: { params: ProjectParam },
      responses: { 200: json(z.object({ members: z.array(I.Member) }), 'members and roles'), ...errors },
    }),
    async (c) => {
      const members = await identity.listMembers(targetProject(c).id);
      return c.json({ members: members.map((m) => ({ username: m.username, role: m.role as z.infer<typeof I.Role>, since: m.createdAt })) }, 200);
    },
  );

  const MemberParams = ProjectParam.extend(pathParam('username', I.Username).shape);

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/projects/{project}/members/{username}',
      security,
      request: { params: MemberParams, ...body(I.SetMemberBody) },
      responses: { 200: json(I.Member, 'the member'), ...errors },
    }),
    async (c) => {
      const project = targetProject(c);
      const { username } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const user = await identity.getUserByName(username);
      if (!user) throw new NotFoundError(`user "${username}" does not exist`);
      if (role !== 'owner') await keepAnOwner(project.id, user.id);
      const now = clock.now();
      await identity.setMembership(project.id, user.id, role, now);
      return c.json({ username, role, since: now }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/projects/{project}/members/{username}', security, request: { params: MemberParams }, responses: { ...noContent, ...errors } }),
    async (c) => {
      const project = targetProject(c);
      const { username } = c.req.valid('param');
      const user = await identity.getUserByName(username);
      if (!user) throw new NotFoundError(`user "${username}" is not a member of project "${project.name}"`);
      await keepAnOwner(project.id, user.id);
      if (!(await identity.removeMembership(project.id, user.id))) throw new NotFoundError(`user "${username}" is not a member of project "${project.name}"`);
      return c.body(null, 204);
    },
  );

  /** A project always keeps an owner: the last one cannot be removed or demoted. */
  async function keepAnOwner(projectId: number, userId: number): Promise<void> {
    const owners = (await identity.listMembers(projectId)).filter((m) => m.role === 'owner');
    if (owners.length === 1 && owners[0]?.userId === userId) throw new ConflictError('this is the project\'s last owner; make someone else owner first', 'member.last-owner');
  }
}
