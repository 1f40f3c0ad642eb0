import { UsageError } from '../core/index.js';
import type { Pipeline, PipelineGraph } from '../pipeline/index.js';
import { buildGraph, criticalPath } from '../pipeline/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { actionSources } from './actions-command.js';
import { loadPipeline } from './load-pipeline.js';

const FORMATS = ['text', 'dot', 'mermaid', 'json'] as const;
type GraphFormat = (typeof FORMATS)[number];

/**
 * `deploylite graph FILE`: the DAG with the critical path marked (the longest chain of
 * `needs`, counting each job once: the jobs that bound the run's duration).
 */
export async function graphCommand(ctx: CliContext, file: string, format: string): Promise<number> {
  if (!FORMATS.includes(format as GraphFormat)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  }
  const loaded = await loadPipeline(file, ctx.stderr, actionSources(ctx));
  if (!loaded.ok) return EXIT.invalid;
  const { graph } = buildGraph(loaded.pipeline.jobs);
  if (!graph) return EXIT.invalid; // compilePipeline already reported the cycle
  const critical = criticalPath(graph);
  ctx.stdout.write(render(format as GraphFormat, loaded.pipeline, graph, critical));
  return EXIT.success;
}

function render(format: GraphFormat, pipeline: Pipeline, graph: PipelineGraph, critical: readonly string[]): string {
  const onPath = new Set(critical);
  const criticalEdge = (from: string, to: string) => onPath.has(from) && onPath.has(to) && critical.indexOf(to) === critical.indexOf(from) + 1;
  const edges = graph.order.flatMap((id) => (graph.needs.get(id) ?? []).map((need) => [need, id] as const));
  const names = new Map(pipeline.jobs.map((job) => [job.id, job]));
  switch (format) {
    case 'json':
      return (
        JSON.stringify(
          {
            jobs: graph.order.map((id) => ({ id, name: names.get(id)?.name ?? id, needs: graph.needs.get(id) ?? [], critical: onPath.has(id) })),
            criticalPath: critical,
          },
          null,
          2,
        ) + '\n'
      );
    case 'dot':
      return [
        `digraph ${JSON.stringify(pipeline.name)} {`,
        '  rankdir=LR;',
        ...graph.order.map((id) => `  ${JSON.stringify(id)}${onPath.has(id) ? ' [style=bold, color=red]' : ''};`),
        ...edges.map(([from, to]) => `  ${JSON.stringify(from)} -> ${JSON.stringify(to)}${criticalEdge(from, to) ? ' [style=bold, color=red]' : ''};`),
        '}',
        '',
      ].join('\n');
    case 'mermaid':
      return [
        'graph LR',
        ...graph.order.map((id) => `  ${mermaidId(id)}["${id}"]`),
        ...edges.map(([from, to]) => `  ${mermaidId(from)} ${criticalEdge(from, to) ? '==>' : '-->'} ${mermaidId(to)}`),
        '  classDef critical stroke:#d00,stroke-width:3px',
        ...(critical.length > 0 ? [`  class ${critical.map(mermaidId).join(',')} critical`] : []),
        '',
      ].join('\n');
    case 'text':
      return [
        ...graph.order.map((id) => {
          const needs = graph.needs.get(id) ?? [];
          const matrix = names.get(id)?.matrix ? ' [matrix]' : '';
          return `${onPath.has(id) ? '*' : ' '} ${id}${matrix}${needs.length > 0 ? `  <- ${needs.join(', ')}` : ''}`;
        }),
        '',
        `critical path (*): ${critical.join(' -> ')}`,
        '',
      ].join('\n');
  }
}

/** Mermaid ids must be plain words; job ids may contain `-`. */
function mermaidId(id: string): string {
  return `j_${id.replace(/[^A-Za-z0-9_]/g, (ch) => `_${ch.charCodeAt(0)}_`)}`;
}
