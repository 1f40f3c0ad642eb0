import { createColors } from 'picocolors';
import type { Writable } from '../cli-context.js';
import type { LogLine } from './api-schemas.js';
import { paintStatus } from './format-run.js';

const JOB_COLORS = ['cyan', 'magenta', 'blue', 'yellow', 'green'] as const;

export interface LogLinePrinter {
  line(jobKey: string, line: LogLine): void;
  /** `[build] success` when a followed job's log ends. */
  end(jobKey: string, status: string): void;
}

/**
 * `[build] text` — every line prefixed with its job's key, as `deploylite run` prints them;
 * on a terminal each job gets its own colour, stderr is red and system lines are dim.
 */
export function createLogLinePrinter(out: Writable, color: boolean): LogLinePrinter {
  const c = createColors(color);
  const paints = new Map<string, (text: string) => string>();
  const prefix = (jobKey: string) => {
    let paint = paints.get(jobKey);
    if (!paint) {
      paint = c[JOB_COLORS[paints.size % JOB_COLORS.length] as (typeof JOB_COLORS)[number]];
      paints.set(jobKey, paint);
    }
    return paint(`[${jobKey}]`);
  };
  return {
    line(jobKey, line) {
      const text = line.stream === 'system' ? c.dim(line.text) : line.stream === 'stderr' ? c.red(line.text) : line.text;
      out.write(`${prefix(jobKey)} ${text}\n`);
    },
    end(jobKey, status) {
      out.write(`${prefix(jobKey)} ${paintStatus(c, status)}\n`);
    },
  };
}
