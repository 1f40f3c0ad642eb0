import type { DisplayStatus } from '../lib/status';

/** One job of the run graph as drawn: where it stands, what it says, where it links. */
export interface NodeView {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  status: DisplayStatus;
  detail: string;
  critical: boolean;
  /** The job's log, for a job with one instance that has a record. */
  link?: string;
  chips: { key: string; status: DisplayStatus; label: string; link: string; x: number; y: number }[];
  label: string;
  /** Everything the node shows, as one value: an unchanged node is not patched. */
  memo: string;
}
