/** When each periodic duty is next due (artifact-use-migration.ts); claimed by a conditional update. */
export interface PeriodicClaimTables {
  periodic_claims: PeriodicClaimsTable;
}

export interface PeriodicClaimsTable {
  name: string;
  next_at: number;
}
