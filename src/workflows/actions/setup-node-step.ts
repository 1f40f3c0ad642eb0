import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping } from '@actions/workflow-parser';
import type { StepSpec } from '../../pipeline/index.js';
import { entriesOf, templateText } from '../tokens.js';
import type { WorkflowReport } from '../workflow-report.js';

/** setup-node inputs that only tune downloads or caching: a run on the runner's own Node.js goes on without them. */
const INPUTS_WITHOUT_EFFECT = new Set([
  'check-latest', 'token', 'architecture', 'cache', 'cache-dependency-path', 'package-manager-cache', 'mirror', 'mirror-token', 'always-auth',
]);

/**
 * `actions/setup-node` built in: DeployLite does not download Node.js, it checks that the
 * runner's (the `node` first on PATH) satisfies `node-version` (a semver range, `lts/*`,
 * `latest`…) or the version in `node-version-file` (`.nvmrc`, `.node-version`, or
 * package.json's `engines.node`/`volta.node`), and fails the step naming both versions when it
 * does not. The check runs as a `node` step; its inputs are step variables, so they may hold
 * expressions (`${{ matrix.node }}`). Undefined when an input would need more (reported).
 */
export function setupNodeStep(report: WorkflowReport, withToken: TemplateToken | undefined): Pick<StepSpec, 'run' | 'shell' | 'env'> | undefined {
  const env: Record<string, string> = {};
  let valid = true;
  if (withToken && isMapping(withToken)) {
    for (const { key, keyToken, value } of entriesOf(withToken)) {
      if (key === 'node-version') env.INPUT_NODE_VERSION = templateText(value) ?? '';
      else if (key === 'node-version-file') env.INPUT_NODE_VERSION_FILE = templateText(value) ?? '';
      else if (!INPUTS_WITHOUT_EFFECT.has(key)) {
        report.unsupported(`actions/setup-node input "${key}"`, 'the built-in setup-node only checks the runner\'s Node.js version', keyToken);
        valid = false;
      }
    }
  }
  return valid ? { run: CHECK_NODE_SCRIPT, shell: 'node {0}', env } : undefined;
}

/**
 * The check, run by the runner's `node`. Plain JavaScript (CommonJS) without `${{`, which the
 * engine would read as an expression. Ranges: `||` alternatives of space-separated comparators
 * (`>=18 <21`), `^`, `~`, `x`/`*` wildcards, partial versions (`20` = `20.x`), `a - b`.
 */
const CHECK_NODE_SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const have = process.versions.node;
const parse = (text) => text.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : undefined));
const cmp = (a, b) => { for (let i = 0; i < 3; i++) { if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1; } return 0; };
const version = parse(have);
function bounds(op, text) {
  const parts = parse(text.replace(/^v/, '').replace(/[-+].*$/, ''));
  const given = parts.findIndex((p) => p === undefined);
  const n = given < 0 ? Math.min(parts.length, 3) : given;
  const low = [0, 1, 2].map((i) => (i < n ? parts[i] : 0));
  const next = (i) => [0, 1, 2].map((j) => (j < i ? low[j] : j === i ? low[j] + 1 : 0));
  if (n === 0) return [[0, 0, 0], undefined];
  if (op === '^') { const i = low[0] > 0 || n === 1 ? 0 : low[1] > 0 || n === 2 ? 1 : 2; return [low, next(i)]; }
  if (op === '~') return [low, next(n === 1 ? 0 : 1)];
  const upper = n === 3 ? next(2) : next(n - 1);
  if (op === '>=') return [low, undefined];
  if (op === '>') return [upper, undefined];
  if (op === '<') return [[0, 0, 0], low];
  if (op === '<=') return [[0, 0, 0], upper];
  return [low, upper];
}
function satisfies(range) {
  const wanted = range.trim().toLowerCase();
  if (['', '*', 'x', 'latest', 'current', 'node'].includes(wanted)) return true;
  if (wanted.startsWith('lts/')) return version[0] % 2 === 0;
  return wanted.split('||').some((alternative) => {
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alternative);
    const comparators = hyphen ? ['>=' + hyphen[1], '<=' + hyphen[2]] : alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/);
    return comparators.every((comparator) => {
      const match = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(comparator);
      const [low, high] = bounds(match[1] || '=', match[2]);
      return cmp(version, low) >= 0 && (high === undefined || cmp(version, high) < 0);
    });
  });
}
function fromFile(file) {
  const text = fs.readFileSync(path.resolve(file), 'utf8');
  if (path.basename(file) === 'package.json') {
    const json = JSON.parse(text);
    return (json.volta && json.volta.node) || (json.engines && json.engines.node) || '';
  }
  return (text.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#')) || '').replace(/^node\s+/, '');
}
let wanted = process.env.INPUT_NODE_VERSION || '';
let source = 'node-version';
if (wanted === '' && process.env.INPUT_NODE_VERSION_FILE) {
  source = 'node-version-file ' + process.env.INPUT_NODE_VERSION_FILE;
  try { wanted = fromFile(process.env.INPUT_NODE_VERSION_FILE); } catch (error) {
    console.error('actions/setup-node: cannot read ' + process.env.INPUT_NODE_VERSION_FILE + ': ' + error.message);
    process.exit(1);
  }
}
if (!satisfies(wanted)) {
  console.error('actions/setup-node: ' + source + ' wants Node.js "' + wanted + '", but this runner has Node.js v' + have + '; DeployLite uses the runner\'s Node.js and does not download others: install a matching one on the runner');
  process.exit(1);
}
console.log('actions/setup-node: using the runner\'s Node.js v' + have + (wanted ? ' (' + source + ' "' + wanted + '")' : ''));
if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, 'node-version=v' + have + '\n');
`;
