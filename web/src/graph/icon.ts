/**
 * The attributes of a status icon's <svg> (what StatusIcon.vue draws), for views that inline
 * hundreds of icons instead of mounting a component for each.
 */
export const ICON = {
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': '2.5',
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
  'aria-hidden': 'true',
  focusable: 'false',
} as const;
