// Webhooks and schedules for the server: authenticate and normalize a Git host's delivery,
// match it against a pipeline's `on:` filters, and compute cron firings. Pure apart from
// hashing: no I/O, no clock of its own.
export type { PullRequestAction, TriggerEvent, WebhookProvider } from './trigger-event.js';
export type { WebhookResult } from './parse-webhook.js';
export { parseWebhook } from './parse-webhook.js';
export type { EventFilters } from './match-triggers.js';
export { matchesTriggers, needsChangedFiles } from './match-triggers.js';
export { matchesPathFilters } from './match-paths.js';
export { nextRunAfter } from './next-run.js';
