export type { PullRequestAction, TriggerEvent, WebhookProvider, WebhookResult } from './parse-webhook.js';
export { parseWebhook } from './parse-webhook.js';
export type { EventFilters } from './match-triggers.js';
export { matchesPatterns, matchesTriggers } from './match-triggers.js';
export { nextRunAfter } from './next-run.js';
