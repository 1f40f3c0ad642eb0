import { secretsRead } from './expressions/index.js';
import type { JobSpec } from './model.js';

/**
 * The secrets a job reads anywhere (its name, env, condition, steps, rollback, outputs), so
 * that a runner is sent only those and not every secret of the project. 'all' when an
 * expression reads the `secrets` context other than by a fixed name. Every string of the
 * job is looked at, so a field added to JobSpec later is covered without a change here;
 * strings under an `if` key are conditions (an expression without `${{ }}`).
 */
export function jobSecrets(job: JobSpec): ReadonlySet<string> | 'all' {
  const names = new Set<string>();
  let all = false;
  const visit = (value: unknown, key: string): void => {
    if (all) return;
    if (typeof value === 'string') {
      const read = secretsRead(value, key === 'if' ? 'condition' : 'template');
      if (read === 'all') all = true;
      else read.forEach((name) => names.add(name));
    } else if (Array.isArray(value)) {
      value.forEach((item) => visit(item, key));
    } else if (value !== null && typeof value === 'object') {
      for (const [inner, item] of Object.entries(value)) visit(item, inner);
    }
  };
  visit(job, '');
  return all ? 'all' : names;
}
