import { Chalk } from 'chalk';
import type { Direction, LineageGraph, VersionNode } from '../graph/lineage.js';
import { stageOrder } from '../stages.js';
import { childrenOf } from './lineage-tree.js';
import { shortValue, versionPlace, versionTitle } from './version-label.js';

const NO_STAGE = '(no stage)';

/**
 * The lineage grouped by pipeline stage (data reading → feature engineering → model scoring → metrics evaluation,
 * then custom stages, then cells without one), one line per version in evaluation order, with the versions it
 * was built from (`←`) or that were built from it (`→`).
 */
export function renderStages(graph: LineageGraph, roots: string[], opts: { direction: Direction; color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const groups = new Map<string, VersionNode[]>();
  graph.forEachNode((_, n) => {
    const stage = n.stage ?? NO_STAGE;
    const group = groups.get(stage);
    if (group) group.push(n);
    else groups.set(stage, [n]);
  });
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || firstId(groups.get(a)!) - firstId(groups.get(b)!));
  const arrow = opts.direction === 'backward' ? '←' : '→';
  const stages = order.filter((s) => s !== NO_STAGE);
  const out = [`${roots.map((r) => c.bold(versionTitle(graph.getNodeAttributes(r)))).join(', ')}: ${graph.order} version${graph.order === 1 ? '' : 's'} across ${stages.length} stage${stages.length === 1 ? '' : 's'}${stages.length ? ` (${stages.join(' → ')})` : ''}`];
  for (const stage of order) {
    out.push('', c.cyan(stage));
    for (const n of groups.get(stage)!.sort((a, b) => a.id - b.id)) {
      const value = shortValue(n);
      const place = versionPlace({ ...n, stage: null });
      const links = childrenOf(graph, String(n.id), opts.direction).map((ch) => versionTitle(graph.getNodeAttributes(ch.key)).split(' (')[0]);
      out.push(`  ${versionTitle(n)}${value ? ` = ${c.green(value)}` : ''}${place ? `  ${c.dim(place)}` : ''}${links.length ? `  ${arrow} ${links.join(', ')}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

function rank(stage: string): number {
  return stage === NO_STAGE ? 100 : stageOrder(stage);
}

function firstId(nodes: VersionNode[]): number {
  return nodes.reduce((low, n) => Math.min(low, n.id), Infinity);
}
