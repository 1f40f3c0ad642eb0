import { DeployliteError } from '../../core/index.js';

/**
 * A `${{ }}` expression that does not parse (`expression.invalid`) or fails while being
 * evaluated (`expression.evaluation`). Messages quote the expression text as written in the
 * pipeline file, never an evaluated value, so a secret cannot leak through an error.
 */
export class ExpressionError extends DeployliteError {
  constructor(code: 'expression.invalid' | 'expression.evaluation', message: string) {
    super(code, message);
  }
}
