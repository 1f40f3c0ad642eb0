import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiServices } from './services.js';
import type { ApiEnv } from './api-env.js';
import { findProject } from './find-project.js';
import { coerceError } from '../../core/index.js';
import { matchesTriggers, needsChangedFiles, parseWebhook } from '../triggers/index.js';

const PROVIDERS = new Set(['github', 'gitea', 'gitlab'] as const);
type Provider = 'github' | 'gitea' | 'gitlab';

/**
 * `POST /api/v1/projects/{project}/webhooks/{provider}`: a Git host's push or pull request.
 * The signature is checked before anything else; a delivery id that started a run (or was
 * filtered out) before starts nothing (hosts re-deliver); the pipeline's `on:` filters at the
 * pushed commit decide whether a run starts. A project whose pipeline path is a folder of
 * GitHub workflows starts one run per workflow whose filters match (`runIds`; `runId` is the
 * first). The changed files that `paths` filters need are computed once, and only when a
 * matching workflow has such a filter.
 */
export function registerWebhookRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const { store, coordinator, clock, logger } = services;
  app.post('/api/v1/projects/:project/webhooks/:provider', async (c) => {
    const provider = c.req.param('provider');
    // Public, so the guard names nothing: a delivery is a mutation (it may start a run) and
    // is audited under its own action, the host as the actor.
    c.set('auditAction', 'webhook:deliver');
    c.set('auditActor', `webhook:${provider.slice(0, 20)}`);
    if (!PROVIDERS.has(provider as Provider)) {
      return c.json({ error: { code: 'webhook.unknown-provider', message: `unknown provider "${provider}" (github, gitea or gitlab)` } }, 404);
    }
    const name = c.req.param('project');
    const project = await findProject(store, name);
    if (!project) return c.json({ error: { code: 'not-found', message: `project "${name}" does not exist` } }, 404);
    c.set('resource', `project:${project.name}`);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    const raw = Buffer.from(await c.req.arrayBuffer());
    const result = parseWebhook(provider as Provider, headers, raw, project.webhookSecret);
    if (result.kind === 'rejected' || result.kind === 'invalid') {
      logger.warn('webhook refused', { project: project.name, provider, reason: result.reason });
      return c.json({ error: { code: `webhook.${result.kind}`, message: result.reason } }, result.status);
    }
    if (result.kind === 'ignored') return c.json({ ignored: result.reason }, 202);
    if (!(await store.recordDelivery(project.id, provider, result.deliveryId, clock.now()))) {
      return c.json({ ignored: `delivery ${result.deliveryId} was received before` }, 202);
    }
    const { event } = result;
    let changes: Promise<readonly string[] | undefined> | undefined;
    const accept = async (pipeline: Parameters<typeof matchesTriggers>[0]) => {
      // Unknown changes count as matching `paths`: a false here is final without any diff.
      const matches = matchesTriggers(pipeline, event);
      if (!matches || !needsChangedFiles(pipeline, event)) return matches;
      changes ??= coordinator.changedFiles(project.id, event);
      return matchesTriggers(pipeline, event, await changes);
    };
    // The delivery is claimed before the trigger so that two concurrent redeliveries start one
    // run, and released when no run could start (the fetch failed, the server is stopping):
    // the host's redelivery must then start it.
    const runs = await coordinator
      .triggerAll(project, {
        // `ref` is what the mirror fetches — `refs/pull/<n>/head` for a pull request, which
        // also holds a fork's commits — and `sha` the exact commit built from it.
        ref: event.ref,
        sha: event.sha,
        trigger: {
          kind: 'webhook',
          event: event.name,
          actor: event.actor,
          provider,
          deliveryId: result.deliveryId,
          ...(event.pullRequest !== undefined ? { pullRequest: event.pullRequest } : {}),
        },
        context: { ...event },
        accept: (pipeline) => accept(pipeline.triggers),
        workflowEvent: { name: event.name, payload: result.payload },
      })
      .catch(async (thrown: unknown) => {
        await store.forgetDelivery(project.id, provider, result.deliveryId).catch((forgetting: unknown) => {
          logger.warn('forgetting a webhook delivery failed', { project: project.name, provider, delivery: result.deliveryId, error: coerceError(forgetting).message });
        });
        throw thrown;
      });
    const [run] = runs;
    if (!run) return c.json({ ignored: `the pipeline's "on:" filters do not match this ${event.name}` }, 202);
    c.set('resource', `run:${run.id}`);
    return c.json({ runId: run.id, runIds: runs.map((started) => started.id) }, 201);
  });
}
