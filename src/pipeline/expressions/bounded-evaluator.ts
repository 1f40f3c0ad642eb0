import type { Expr } from '@actions/expressions';
import { data, Evaluator } from '@actions/expressions';
import { FunctionCall } from '@actions/expressions/ast';

/** GitHub's limit on the memory one expression evaluation may produce. */
export const MAX_EVALUATION_BYTES = 1024 * 1024;

/**
 * The library's evaluator plus GitHub's memory limit, which the TypeScript package lacks:
 * without it `format('{0}{0}…', format('{0}{0}…', toJSON(github)))` grows exponentially
 * with nesting and can exhaust the engine's memory. Like GitHub's runner it counts the
 * strings functions produce, two bytes per character.
 */
export class BoundedEvaluator extends Evaluator {
  private bytes = 0;

  protected override eval(n: Expr): data.ExpressionData {
    const result = super.eval(n);
    if (n instanceof FunctionCall && result.kind === data.Kind.String) {
      this.bytes += result.coerceString().length * 2;
      if (this.bytes > MAX_EVALUATION_BYTES) throw new Error('The maximum allowed memory size was exceeded');
    }
    return result;
  }
}
