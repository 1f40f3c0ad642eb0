// The GitHub Actions front end: workflow files → the engine's Pipeline, parsed and validated
// by GitHub's own @actions/workflow-parser; plus the `github` context and default variables
// of a local run. A second front end to the one engine, beside pipeline/'s native format.
export type { WorkflowCompileOptions, WorkflowCompileResult } from './compile-workflow.js';
export type { ActionFiles, ActionSources } from './actions/step-actions.js';
export type { StoredAction } from './actions/action-store.js';
export { addStoredAction, listStoredActions } from './actions/action-store.js';
export { compileWorkflow } from './compile-workflow.js';
export { isGitHubWorkflow } from './detect-workflow.js';
export type { DispatchInput, WorkflowFacts } from './map-workflow.js';
export type { CheckoutFacts, LocalEvent, WorkflowRunFacts } from './github-context.js';
export { defaultEnv, eventPayload, githubContext, LOCAL_EVENTS, resolveInputs, runnerContext } from './github-context.js';
export { readLocalCheckout, repositoryOf } from './read-local-checkout.js';
export type { ServerWorkflowRunFacts, WorkflowEvent } from './server-github-context.js';
export { isWorkflowEvent, serverGithubContext, serverRunContext, storedPayload } from './server-github-context.js';
