import type { DiagnosticCollector, DiagnosticTarget } from './diagnostic-collector.js';
import { checkCondition, checkTemplate } from './expressions/index.js';
import type { YamlTree } from './parse-yaml.js';

/** What every section reader needs: the tree, the diagnostics, and the expression checks. */
export interface ReadContext {
  readonly tree: YamlTree;
  readonly report: DiagnosticCollector;
  /** Reports each `${{ }}` in `text` that does not parse, at `at`. */
  checkTemplateAt(text: string, field: string, at: DiagnosticTarget): void;
  /** Reports an `if:` condition (with or without its `${{ }}` wrapper) that does not parse. */
  checkConditionAt(text: string, field: string, at: DiagnosticTarget): void;
}

export function createReadContext(tree: YamlTree): ReadContext {
  const report = tree.collector;
  const reportAll = (messages: readonly string[], field: string, at: DiagnosticTarget) => {
    for (const message of messages) report.error('pipeline.invalid-expression', `invalid expression in "${field}": ${message}`, at);
  };
  return {
    tree,
    report,
    checkTemplateAt(text, field, at) {
      // Most strings hold no expression; skipping them keeps large files fast.
      if (!text.includes('${{')) return;
      reportAll(safely(() => checkTemplate(text)), field, at);
    },
    checkConditionAt(text, field, at) {
      reportAll(safely(() => checkCondition(text)), field, at);
    },
  };
}

/** The expression checker is another module's code: a throw from it becomes a message. */
function safely(check: () => string[]): string[] {
  try {
    return check();
  } catch (thrown) {
    return [`could not be checked (${thrown instanceof Error ? thrown.message : String(thrown)})`];
  }
}
