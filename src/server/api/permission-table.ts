import type { Action, Requirement } from '../auth/permissions.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { LOG_STREAM_RULE, PUBLIC, ROUTE_RULES } from './route-permissions.js';

/**
 * The permission table as Markdown for docs/security.md, generated from PERMISSIONS and
 * ROUTE_RULES so the document cannot drift from what the server enforces (a test compares
 * them; `npm run docs:security` rewrites the section).
 */
export function renderPermissionTable(): string {
  const routes = new Map<Action, string[]>();
  const publicRoutes: string[] = [];
  for (const [route, rule] of Object.entries(ROUTE_RULES)) {
    if (rule === PUBLIC) publicRoutes.push(route);
    else routes.set(rule.action, [...(routes.get(rule.action) ?? []), route]);
  }
  routes.set(LOG_STREAM_RULE.action, [...(routes.get(LOG_STREAM_RULE.action) ?? []), 'GET /api/v1/logs/:jobId/stream (WebSocket)']);
  const rows = (Object.entries(PERMISSIONS) as [Action, { requires: Requirement; description: string }][]).map(
    ([action, permission]) => `| \`${action}\` | ${who(permission.requires)} | ${permission.description} | ${(routes.get(action) ?? []).map((r) => `\`${r}\``).join('<br>')} |`,
  );
  return [
    '| Action | Who may | What it allows | Routes |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Public (no credential): ${publicRoutes.map((r) => `\`${r}\``).join(', ')}.`,
  ].join('\n');
}

function who(requires: Requirement): string {
  switch (requires.scope) {
    case 'user':
      return 'any signed-in user or API token';
    case 'person':
      return 'a signed-in user (or the admin token), not an API token';
    case 'admin':
      return 'system admin';
    case 'project':
      return `project ${requires.role} or higher`;
    case 'runner':
      return 'a runner token';
    case 'runner-registration':
      return 'a runner registration token';
  }
}
