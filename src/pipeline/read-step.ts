import type { Node, YAMLMap } from 'yaml';
import { isMap } from 'yaml';
import { envNameProblem, idProblem } from './identifiers.js';
import type { StepSpec } from './model.js';
import { readCondition } from './read-condition.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, keyText, readEntries } from './read-mapping.js';
import { describeNode, readBoolean, readDuration, readText, readTextMap, valueTarget } from './read-values.js';

/** Step types that ship with DeployLite; `deploylite/checkout` is a no-op for local runs. */
export const BUILTIN_STEP_TYPES: readonly string[] = ['deploylite/checkout'];

const STEP_KEYS = ['name', 'id', 'run', 'shell', 'env', 'if', 'working-directory', 'timeout', 'continue-on-error', 'uses', 'with'] as const;

/** Advice for keys that users of other CI systems write out of habit. */
const STEP_HINTS: Readonly<Record<string, string>> = {
  'timeout-minutes': 'use "timeout" with a duration such as 10m',
  script: 'use "run"',
};

/**
 * One step of `steps:` or `rollback:`. `stepIds` maps the step ids already used in the job
 * (steps and rollback share one namespace) to the line of their first use.
 */
export function readStep(ctx: ReadContext, node: Node | undefined, index: number, stepIds: Map<string, number>): StepSpec | undefined {
  if (!isMap(node)) {
    const at = node ?? 0;
    ctx.report.error('pipeline.invalid-type', `a step must be a mapping with "run" or "uses", got ${describeNode(node)}`, at);
    return undefined;
  }
  const fields = entriesByKey(readEntries(ctx, node, { keys: STEP_KEYS, hints: STEP_HINTS }));
  const step: { -readonly [K in keyof StepSpec]: StepSpec[K] } = {
    index,
    env: {},
    continueOnError: false,
    with: {},
    position: ctx.report.position(node),
  };
  let valid = true;
  const take = <T>(read: T | undefined, assign: (value: T) => void) => {
    if (read === undefined) valid = false;
    else assign(read);
  };

  const name = fields.get('name');
  if (name) take(readText(ctx, name), (v) => (step.name = v));
  const id = fields.get('id');
  if (id) take(readStepId(ctx, id, stepIds), (v) => (step.id = v));
  const run = fields.get('run');
  if (run) take(readText(ctx, run), (v) => (step.run = v));
  const shell = fields.get('shell');
  if (shell) take(readText(ctx, shell), (v) => (step.shell = v));
  const env = fields.get('env');
  if (env) take(readTextMap(ctx, env, { checkName: envNameProblem }), (v) => (step.env = v));
  const condition = fields.get('if');
  if (condition) take(readCondition(ctx, condition), (v) => (step.if = v));
  const workingDirectory = fields.get('working-directory');
  if (workingDirectory) take(readText(ctx, workingDirectory), (v) => (step.workingDirectory = v));
  const timeout = fields.get('timeout');
  if (timeout) take(readDuration(ctx, timeout, { positive: true }), (v) => (step.timeoutMs = v));
  const continueOnError = fields.get('continue-on-error');
  if (continueOnError) take(readBoolean(ctx, continueOnError), (v) => (step.continueOnError = v));
  const uses = fields.get('uses');
  if (uses) take(readStepType(ctx, uses), (v) => (step.uses = v));
  const withInputs = fields.get('with');
  if (withInputs) take(readTextMap(ctx, withInputs), (v) => (step.with = v));

  if (!run && !uses) {
    // `rn: make` is already reported as an unknown key: fixing that typo fixes this too.
    if (!hasUnknownKey(node)) ctx.report.error('pipeline.missing-key', 'a step needs "run" (a command) or "uses" (a step type)', node);
    valid = false;
  } else if (run && uses) {
    ctx.report.error('pipeline.invalid-value', 'a step has either "run" or "uses", not both', uses.keyNode);
    valid = false;
  }
  if (withInputs && !uses) {
    ctx.report.error('pipeline.invalid-value', '"with" passes inputs to a "uses" step; this step has no "uses"', withInputs.keyNode);
    valid = false;
  }
  return valid ? step : undefined;
}

function readStepId(ctx: ReadContext, entry: Entry, stepIds: Map<string, number>): string | undefined {
  const id = readText(ctx, entry, { template: false });
  if (id === undefined) return undefined;
  const at = valueTarget(entry);
  const problem = idProblem('step', id);
  if (problem !== undefined) {
    ctx.report.error('pipeline.invalid-id', problem, at);
    return undefined;
  }
  const first = stepIds.get(id);
  if (first !== undefined) {
    ctx.report.error('pipeline.duplicate-step-id', `duplicate step id "${id}" (first used at line ${first})`, at);
    return undefined;
  }
  stepIds.set(id, ctx.report.position(at).line);
  return id;
}

function readStepType(ctx: ReadContext, entry: Entry): string | undefined {
  const uses = readText(ctx, entry, { template: false });
  if (uses === undefined) return undefined;
  if (BUILTIN_STEP_TYPES.includes(uses)) return uses;
  ctx.report.error(
    'pipeline.unknown-step-type',
    `unknown step type ${JSON.stringify(uses)} (step plugins come later; built-in types: ${BUILTIN_STEP_TYPES.join(', ')})`,
    valueTarget(entry),
  );
  return undefined;
}

function hasUnknownKey(step: YAMLMap): boolean {
  return step.items.some((pair) => {
    const key = keyText(pair.key as Node | null);
    return key !== undefined && key !== '<<' && !(STEP_KEYS as readonly string[]).includes(key);
  });
}
