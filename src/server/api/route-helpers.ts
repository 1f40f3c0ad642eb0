import { z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.js';

/** OpenAPI building blocks every route file shares. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
export const errors = {
  400: json(ErrorBody, 'invalid request'),
  401: json(ErrorBody, 'no valid credential'),
  403: json(ErrorBody, 'the credential may not do this'),
  404: json(ErrorBody, 'not found (or not visible to the caller)'),
  409: json(ErrorBody, 'conflict'),
};
export const noContent = { 204: { description: 'done' } };
export const security = [{ bearer: [] }];

/** A path parameter named `name` validated by `schema`, for the OpenAPI document too. */
export function pathParam<N extends string, T extends z.ZodType>(name: N, schema: T) {
  return z.object({ [name]: schema.openapi({ param: { name, in: 'path' } }) } as { [K in N]: T });
}
export const ProjectParam = z.object({ project: z.string().max(100).openapi({ param: { name: 'project', in: 'path' } }) });
export const RunParam = z.object({ id: z.coerce.number().int().min(1).openapi({ param: { name: 'id', in: 'path' } }) });
