import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { ActionRunsNode } from '@actions/workflow-parser/actions/index';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { isMapping, isSequence, NoOperationTraceWriter } from '@actions/workflow-parser';
import { ErrorPolicy } from '@actions/workflow-parser/model/convert';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ActionSpec, StepSpec } from '../../pipeline/index.js';
import { mapStep } from '../map-step.js';
import { parserErrorPosition } from '../parser-errors.js';
import { entriesOf, positionOf, templateText } from '../tokens.js';
import { WorkflowReport } from '../workflow-report.js';
import { parseActionReference } from './action-reference.js';
import { storedActionDir } from './action-store.js';
import type { ActionFiles, ActionSources, StepActions } from './step-actions.js';

/** Composite actions calling composite actions: deeper than this is an error (a cycle ends here too). */
export const MAX_ACTION_DEPTH = 9;

/** `runs.using` values run with the runner's Node.js (node12 as GitHub does today: on a newer Node). */
const NODE_RUNTIMES = new Set(['node12', 'node16', 'node20', 'node24']);

/** An action read once per compilation, with what checking a caller's `with:` needs. */
interface LoadedAction {
  readonly spec: ActionSpec;
  readonly file: string;
  /** Lower-case name → whether a caller must give it (required without default). */
  readonly inputs: ReadonlyMap<string, { readonly mustGive: boolean }>;
}

/**
 * Resolves `uses:` to an action directory (`./dir` in the checkout, `owner/repo[/path]@ref` in
 * the local action store), reads its action.yml with GitHub's own action parser and maps it
 * onto the engine's ActionSpec: composite steps through the same mapStep as workflow steps,
 * JavaScript actions as `node` steps. Each action is read once; its errors point at its file.
 */
export class ActionResolver implements StepActions {
  private readonly files: ActionFiles;

  constructor(
    private readonly sources: ActionSources,
    private readonly depth = 0,
    private readonly loaded = new Map<string, LoadedAction | null>(),
  ) {
    this.files = sources.files ?? localActionFiles;
  }

  resolve(report: WorkflowReport, usesToken: TemplateToken, withToken: TemplateToken | undefined): ActionSpec | undefined {
    const uses = templateText(usesToken) ?? '';
    if (usesToken.isExpression) {
      report.error('workflow.invalid', 'uses: must name the action literally, not with an expression', usesToken);
      return undefined;
    }
    const dir = this.actionDir(report, uses, usesToken);
    if (dir === undefined) return undefined;
    if (this.depth >= MAX_ACTION_DEPTH) {
      report.error('workflow.invalid', `uses: ${uses}: composite actions nest more than ${MAX_ACTION_DEPTH} deep (does an action use itself?)`, usesToken);
      return undefined;
    }
    let action = this.loaded.get(dir);
    if (action === undefined) {
      action = this.load(report, uses, dir, usesToken);
      this.loaded.set(dir, action);
    }
    if (action === null) return undefined;
    return checkInputs(report, uses, action, usesToken, withToken) ? action.spec : undefined;
  }

  /** The directory `uses:` names, or undefined when it is not there (reported). */
  private actionDir(report: WorkflowReport, uses: string, at: TemplateToken): string | undefined {
    const reference = parseActionReference(uses);
    switch (reference.kind) {
      case 'docker':
        report.unsupported(`uses: ${uses}`, 'Docker container actions need the container executor', at);
        return undefined;
      case 'invalid':
        report.error('workflow.invalid', `uses: "${uses}" is neither ./PATH, docker://IMAGE nor OWNER/REPO[/PATH]@REF`, at);
        return undefined;
      case 'local': {
        const dir = resolve(this.sources.workspace, reference.path);
        if (!this.files.isDirectory(dir)) {
          report.error('workflow.action-not-found', `uses: ${uses}: no such directory in the checkout (${this.show(dir)})`, at);
          return undefined;
        }
        return dir;
      }
      case 'repository': {
        const name = `${reference.owner}/${reference.repo}@${reference.ref}`;
        if (this.sources.noStoreReason !== undefined) {
          report.error('workflow.action-not-found', `uses: ${uses}: ${this.sources.noStoreReason}`, at);
          return undefined;
        }
        const stored = this.sources.storeDir ? storedActionDir(this.sources.storeDir, reference.owner, reference.repo, reference.ref) : undefined;
        if (!stored || !this.files.isDirectory(stored)) {
          const where = this.sources.storeDir ? `the local action store (${this.sources.storeDir})` : 'the local action store';
          report.error(
            'workflow.action-not-found',
            `uses: ${uses}: ${name} is not in ${where}; install it from a checkout of the action with: deploylite actions add ${name} --from DIR`,
            at,
          );
          return undefined;
        }
        const dir = join(stored, reference.path);
        if (!this.files.isDirectory(dir)) {
          report.error('workflow.action-not-found', `uses: ${uses}: the stored ${name} has no directory "${reference.path}"`, at);
          return undefined;
        }
        return dir;
      }
    }
  }

  private load(report: WorkflowReport, uses: string, dir: string, at: TemplateToken): LoadedAction | null {
    const found = ['action.yml', 'action.yaml'].map((name) => join(dir, name)).flatMap((path) => {
      const content = this.files.readFile(path);
      return content === undefined ? [] : [{ path, content }];
    })[0];
    if (!found) {
      report.error('workflow.action-not-found', `uses: ${uses}: no action.yml or action.yaml in ${this.show(dir)}`, at);
      return null;
    }
    const file = this.show(found.path);
    const actionReport = new WorkflowReport(file);
    try {
      const loaded = this.mapAction(actionReport, uses, this.atRun(dir), file, found.content);
      return loaded && !actionReport.hasErrors() ? loaded : null;
    } finally {
      report.diagnostics.push(...actionReport.diagnostics);
      if (actionReport.hasErrors()) report.error('workflow.invalid-action', `uses: ${uses}: the action's ${file} has errors`, at);
    }
  }

  private mapAction(report: WorkflowReport, uses: string, dir: string, file: string, content: string): LoadedAction | undefined {
    const parsed = parseAction({ name: file, content }, new NoOperationTraceWriter());
    // Converted despite errors: a missing name or description is not one (below).
    const template = parsed.value ? convertActionTemplate(parsed.context, parsed.value, { errorPolicy: ErrorPolicy.TryConversion }) : undefined;
    for (const error of parsed.context.errors.getErrors()) {
      // The runner itself asks only for `runs`: it runs actions without a name or description, without a word.
      if (/Required property is missing: (name|description)$/.test(error.rawMessage)) continue;
      report.diagnostics.push({ code: 'workflow.invalid', message: error.rawMessage, severity: 'error', file, ...parserErrorPosition(error) });
    }
    if (!template?.runs || !parsed.value || !isMapping(parsed.value)) {
      if (!report.hasErrors()) report.error('workflow.invalid', 'the action has no "runs"', parsed.value);
      return undefined;
    }
    const runsToken = parsed.value.find('runs');
    const inputs = new Map<string, { mustGive: boolean }>();
    const inputDefaults: Record<string, { default?: string }> = {};
    for (const input of template.inputs ?? []) {
      const name = input.id.toLowerCase();
      const fallback = input.default ? templateText(input.default) : undefined;
      inputs.set(name, { mustGive: input.required === true && fallback === undefined });
      inputDefaults[name] = fallback === undefined ? {} : { default: fallback };
    }
    const base = {
      name: uses,
      inputs: inputDefaults,
      env: { GITHUB_ACTION_PATH: dir },
      contexts: { github: { action_path: dir } },
    };
    const runs = template.runs;
    const usingToken = runsToken && isMapping(runsToken) ? runsToken.find('using') : undefined;
    if (runs.using === 'composite') {
      const stepsToken = runsToken && isMapping(runsToken) ? runsToken.find('steps') : undefined;
      const steps = this.compositeSteps(report, stepsToken);
      if (!steps) return undefined;
      const outputs: Record<string, string> = {};
      for (const output of template.outputs ?? []) outputs[output.id] = output.value ? (templateText(output.value) ?? '') : '';
      return { file, inputs, spec: { ...base, steps, pre: [], post: [], outputs } };
    }
    if (NODE_RUNTIMES.has(runs.using)) {
      const js = runs as ActionRunsNode;
      const position = positionOf(usingToken);
      const node = (script: string, condition?: string) => [nodeStep(join(dir, script), Object.keys(inputDefaults), position, condition)];
      return {
        file,
        inputs,
        spec: {
          ...base,
          steps: node(js.main),
          pre: js.pre ? node(js.pre, js.preIf ?? 'always()') : [],
          post: js.post ? node(js.post, js.postIf ?? 'always()') : [],
          outputs: {},
          outputsOf: NODE_MAIN_STEP,
        },
      };
    }
    const why = runs.using === 'docker' ? 'Docker container actions need the container executor' : 'DeployLite runs composite and node actions';
    report.unsupported(`runs.using: ${runs.using}`, why, usingToken);
    return undefined;
  }

  /** A composite's steps, mapped as workflow steps are; a `uses:` among them resolves one level deeper. */
  private compositeSteps(report: WorkflowReport, token: TemplateToken | undefined): StepSpec[] | undefined {
    if (!token || !isSequence(token)) return [];
    const nested = new ActionResolver(this.sources, this.depth + 1, this.loaded);
    const steps: StepSpec[] = [];
    let valid = true;
    [...token].forEach((item, index) => {
      const step = mapStep(report, item, index, {}, nested);
      if (step) steps.push(step);
      else valid = false;
    });
    return valid ? steps : undefined;
  }

  /** A path as the job's steps name it: inside the checkout, relative to where the checkout is when the job runs. */
  private atRun(path: string): string {
    const { workspaceAtRun } = this.sources;
    if (workspaceAtRun === undefined) return path;
    const inside = relative(this.sources.workspace, path);
    if (inside.startsWith('..') || isAbsolute(inside)) return path;
    return inside ? `${workspaceAtRun}/${inside.split(sep).join('/')}` : workspaceAtRun;
  }

  /** A path as diagnostics show it: relative to the checkout when inside it. */
  private show(path: string): string {
    const inside = relative(this.sources.workspace, path);
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : path;
  }
}

/** The id of a JavaScript action's main step inside it: its outputs are the action's. */
const NODE_MAIN_STEP = 'main';

/**
 * A JavaScript action's script as a step: the runner's `node` (first on PATH), each input as
 * `INPUT_<NAME>` (upper-cased, spaces as `_`, as the runner sets them).
 */
function nodeStep(script: string, inputNames: readonly string[], position: StepSpec['position'], condition: string | undefined): StepSpec {
  const env: Record<string, string> = {};
  for (const name of inputNames) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = `\${{ inputs['${name.replace(/'/g, "''")}'] }}`;
  return {
    index: 0,
    id: NODE_MAIN_STEP,
    name: `node ${script}`,
    run: `exec node '${script.replace(/'/g, `'\\''`)}'`,
    shell: 'bash -e {0}',
    env,
    continueOnError: false,
    with: {},
    workflowCommands: true,
    position,
    ...(condition ? { if: condition } : {}),
  };
}

/** Every `with:` key is an input the action declares, and every required input without default is given. */
function checkInputs(report: WorkflowReport, uses: string, action: LoadedAction, usesToken: TemplateToken, withToken: TemplateToken | undefined): boolean {
  let valid = true;
  const given = new Set<string>();
  const declared = [...action.inputs.keys()];
  if (withToken && isMapping(withToken)) {
    for (const { key, keyToken } of entriesOf(withToken as MappingToken)) {
      const name = key.toLowerCase();
      given.add(name);
      if (action.inputs.has(name)) continue;
      const known = declared.length > 0 ? `its inputs: ${declared.join(', ')}` : 'it declares no inputs';
      report.error('workflow.invalid-input', `uses: ${uses}: unexpected input "${key}" (${action.file}: ${known})`, keyToken);
      valid = false;
    }
  }
  for (const [name, { mustGive }] of action.inputs) {
    if (!mustGive || given.has(name)) continue;
    report.error('workflow.missing-input', `uses: ${uses}: input "${name}" is required by ${action.file} and has no default`, withToken ?? usesToken);
    valid = false;
  }
  return valid;
}

/** `deploylite run`: actions are read from the disk they are on. */
const localActionFiles: ActionFiles = {
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};
