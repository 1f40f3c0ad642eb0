/** A GitHub workflow job's step summary (job-summary-migration.ts). */
export interface JobSummaryTables {
  job_summaries: JobSummariesTable;
}

export interface JobSummariesTable {
  run_id: number;
  job_key: string;
  /** Markdown, masked by the runner and the server. */
  summary: string;
  created_at: number;
}
