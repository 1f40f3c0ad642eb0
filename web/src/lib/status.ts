import type { JobStatus, RunStatus } from '../api/types';

/** A job or run status, plus `waiting`: a job of the pipeline whose needs are not done yet (it has no record). */
export type DisplayStatus = JobStatus | RunStatus | 'waiting';

export interface StatusLook {
  /** The word shown next to the colour: colour is never the only signal. */
  readonly label: string;
  /** Stroke paths on a 24×24 grid, drawn in the text colour. */
  readonly icon: readonly string[];
  /** Badge: text, background and border classes (text contrast ≥ 4.5:1 on the background). */
  readonly badge: string;
  /** Graph node: fill, stroke and text classes for SVG. */
  readonly nodeFill: string;
  readonly nodeStroke: string;
  readonly nodeText: string;
  /** Graph node icon colour (icons draw in `currentColor`). */
  readonly nodeIcon: string;
  /** Spins (unless the user asked for reduced motion). */
  readonly spins?: boolean;
}

const RING = 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18';

export const STATUS: Readonly<Record<DisplayStatus, StatusLook>> = {
  waiting: {
    label: 'waiting',
    icon: ['M12 3a9 9 0 0 1 9 9', 'M12 21a9 9 0 0 1-9-9', 'M9 12h.01', 'M15 12h.01'],
    badge: 'text-slate-700 bg-white border-slate-400 border-dashed',
    nodeFill: 'fill-white',
    nodeStroke: 'stroke-slate-400',
    nodeText: 'fill-slate-700',
    nodeIcon: 'text-slate-700',
  },
  pending: {
    label: 'pending',
    icon: [RING, 'M12 7v5l3 2'],
    badge: 'text-amber-900 bg-amber-50 border-amber-500',
    nodeFill: 'fill-amber-50',
    nodeStroke: 'stroke-amber-500',
    nodeText: 'fill-amber-900',
    nodeIcon: 'text-amber-800',
  },
  running: {
    label: 'running',
    icon: ['M12 3a9 9 0 1 0 9 9'],
    badge: 'text-blue-900 bg-blue-50 border-blue-600',
    nodeFill: 'fill-blue-50',
    nodeStroke: 'stroke-blue-600',
    nodeText: 'fill-blue-900',
    nodeIcon: 'text-blue-700',
    spins: true,
  },
  success: {
    label: 'success',
    icon: ['M5 12.5l4.5 4.5L19 7.5'],
    badge: 'text-green-900 bg-green-50 border-green-600',
    nodeFill: 'fill-green-50',
    nodeStroke: 'stroke-green-600',
    nodeText: 'fill-green-900',
    nodeIcon: 'text-green-700',
  },
  failed: {
    label: 'failed',
    icon: ['M6 6l12 12', 'M18 6L6 18'],
    badge: 'text-red-900 bg-red-50 border-red-600',
    nodeFill: 'fill-red-50',
    nodeStroke: 'stroke-red-600',
    nodeText: 'fill-red-900',
    nodeIcon: 'text-red-700',
  },
  skipped: {
    label: 'skipped',
    icon: ['M4 12h14', 'M13 6l6 6-6 6'],
    badge: 'text-slate-700 bg-slate-100 border-slate-400',
    nodeFill: 'fill-slate-100',
    nodeStroke: 'stroke-slate-400',
    nodeText: 'fill-slate-700',
    nodeIcon: 'text-slate-600',
  },
  cancelled: {
    label: 'cancelled',
    icon: [RING, 'M5.6 5.6l12.8 12.8'],
    badge: 'text-slate-900 bg-slate-200 border-slate-600',
    nodeFill: 'fill-slate-200',
    nodeStroke: 'stroke-slate-600',
    nodeText: 'fill-slate-900',
    nodeIcon: 'text-slate-800',
  },
};

const FINAL = new Set<DisplayStatus>(['success', 'failed', 'skipped', 'cancelled']);

export function isFinal(status: DisplayStatus): boolean {
  return FINAL.has(status);
}
