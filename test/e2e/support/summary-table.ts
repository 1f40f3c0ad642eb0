import { readFileSync } from 'node:fs';

/** One row of the table `deploylite run` prints when a run ends. */
export interface SummaryRow {
  readonly job: string;
  readonly status: string;
  readonly attempts: string;
  readonly duration: string;
  readonly rollback: string;
}

const HEADER = /^JOB\s+STATUS\s+ATTEMPTS\s+DURATION\s+ROLLBACK$/;

/** The rows of the last summary table in the CLI's output (columns are 2+ spaces apart). */
export function parseSummary(stdout: string): SummaryRow[] {
  const lines = stdout.split('\n');
  let start = -1;
  lines.forEach((line, index) => {
    if (HEADER.test(line.trim())) start = index;
  });
  if (start < 0) throw new Error(`no summary table (JOB STATUS ATTEMPTS DURATION ROLLBACK) in:\n${stdout}`);
  const rows: SummaryRow[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.startsWith('run ')) break;
    const [job = '', status = '', attempts = '', duration = '', rollback = ''] = line.split(/\s{2,}/);
    rows.push({ job, status, attempts, duration, rollback });
  }
  return rows;
}

/** The `--report FILE` JSON, as far as the tests rely on it (extra keys are allowed). */
export interface RunReport {
  readonly id: number;
  readonly status: string;
  readonly jobs: readonly ReportJob[];
}

export interface ReportJob {
  readonly id: string;
  readonly name: string;
  readonly matrix: Record<string, unknown> | null;
  readonly status: string;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly outputs: Record<string, string>;
  readonly rollback: { readonly status: string } | null;
}

export function readReport(path: string): RunReport {
  return JSON.parse(readFileSync(path, 'utf8')) as RunReport;
}

/** The one report entry of a job without a matrix. */
export function reportJob(report: RunReport, id: string): ReportJob {
  const found = report.jobs.filter((job) => job.id === id);
  if (found.length !== 1) throw new Error(`expected one "${id}" in the report, found ${found.length}: ${JSON.stringify(report.jobs)}`);
  return found[0] as ReportJob;
}

/** The run id the CLI announces (`run 3: name`) when a run starts. */
export function runIdOf(stdout: string): string {
  const match = /^run (\d+)/m.exec(stdout);
  if (!match) throw new Error(`no run id in:\n${stdout}`);
  return match[1] as string;
}
