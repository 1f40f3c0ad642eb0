import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiEnv } from './api-env.js';
import * as I from './identity-schemas.js';
import { targetProject } from './project-routes.js';
import { body, errors, json, noContent, pathParam, ProjectParam, security } from './route-helpers.js';
import type { ApiServices } from './services.js';

const SecretParams = ProjectParam.extend(pathParam('name', I.SecretName).shape);

/** A project's secrets: written and listed by name, never read back (jobs get them, people do not). */
export function registerSecretRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { vault } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/projects/{project}/secrets',
      security,
      request: { params: ProjectParam },
      responses: { 200: json(z.object({ secrets: z.array(I.Secret) }), 'names and scopes; never values'), ...errors },
    }),
    async (c) => c.json({ secrets: await vault.list(targetProject(c).id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/projects/{project}/secrets/{name}',
      security,
      request: { params: SecretParams, ...body(I.PutSecretBody) },
      responses: { 200: json(I.Secret, 'stored (the value is not returned)'), ...errors },
    }),
    async (c) => {
      const project = targetProject(c);
      const name = c.req.valid('param').name.toUpperCase();
      const { value, environment } = c.req.valid('json');
      c.set('resource', `secret:${project.name}/${environment ? `${environment}/` : ''}${name}`);
      return c.json(await vault.put(project.id, environment, name, value, c.get('principal').name), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/projects/{project}/secrets/{name}',
      security,
      request: { params: SecretParams, query: I.SecretScopeQuery },
      responses: { ...noContent, ...errors },
    }),
    async (c) => {
      const project = targetProject(c);
      const name = c.req.valid('param').name.toUpperCase();
      const environment = c.req.valid('query').environment ?? null;
      c.set('resource', `secret:${project.name}/${environment ? `${environment}/` : ''}${name}`);
      await vault.remove(project.id, environment, name);
      return c.body(null, 204);
    },
  );
}
