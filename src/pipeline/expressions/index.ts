// `${{ }}` expressions with GitHub Actions' syntax and semantics, evaluated by GitHub's own
// @actions/expressions package. Pure: no I/O (hashFiles() is lent by the engine through
// ExpressionHost) and no process.env.
export { checkCondition, checkExpression, checkTemplate, secretsRead, templateContexts } from './check-template.js';
export { evaluateCondition } from './evaluate-condition.js';
export type { Contexts, ExpressionHost } from './evaluate-expression.js';
export { evaluateExpression } from './evaluate-expression.js';
export { ExpressionError } from './expression-error.js';
export { containsExpression, evaluateTemplateValue, interpolate } from './interpolate.js';
export { KNOWN_CONTEXTS } from './parse-expression.js';
