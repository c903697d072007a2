import type { EdgeKind, LineageGraph, VersionNode } from '../graph/lineage.js';
import { shortValue, versionTitle } from './version-label.js';

const EDGE_STYLE: Record<EdgeKind, string> = {
  data: '',
  control: ' [style=dashed, label="control"]',
  mutation: ' [style=bold, label="mutation"]',
  call: ' [style=dotted, label="call"]',
};

/**
 * Graphviz DOT for `dot -Tsvg`: one box per version, clustered by cell (titled with the cell's stage), arrows along
 * the data flow (dependency → dependent), roots drawn with a double border.
 */
export function renderDot(graph: LineageGraph, roots: string[]): string {
  const rootSet = new Set(roots);
  const out = ['digraph lineage {', '  rankdir=TB;', '  node [shape=box, fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  for (const [cell, nodes] of byCell(graph)) {
    const indent = cell === null ? '  ' : '    ';
    if (cell !== null) out.push(`  subgraph cluster_cell_${cell} {`, `    label=${quote(`cell ${cell}${nodes[0].stage ? ` · ${nodes[0].stage}` : ''}`)};`, '    style=rounded; color=gray;');
    for (const n of nodes) out.push(indent + nodeLine(n, rootSet));
    if (cell !== null) out.push('  }');
  }
  for (const [source, target, kind] of sortedEdges(graph)) out.push(`  e${source} -> e${target}${EDGE_STYLE[kind]};`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** Every (dependency, dependent, kind) triple in numeric order, so output is stable across runs. */
export function sortedEdges(graph: LineageGraph): [number, number, EdgeKind][] {
  const edges: [number, number, EdgeKind][] = [];
  graph.forEachEdge((_, attrs, source, target) => {
    for (const kind of attrs.kinds) edges.push([Number(source), Number(target), kind]);
  });
  return edges.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2]));
}

/** Nodes grouped by cell index (null: outside any recorded cell), cells and nodes in order. */
export function byCell(graph: LineageGraph): [number | null, VersionNode[]][] {
  const cells = new Map<number | null, VersionNode[]>();
  graph.forEachNode((_, n) => {
    const list = cells.get(n.cell);
    if (list) list.push(n);
    else cells.set(n.cell, [n]);
  });
  for (const list of cells.values()) list.sort((a, b) => a.id - b.id);
  return [...cells].sort(([a], [b]) => (a ?? -1) - (b ?? -1));
}

function nodeLine(n: VersionNode, roots: Set<string>): string {
  const value = shortValue(n);
  const label = [versionTitle(n), value, n.line !== null ? `line ${n.line}` : ''].filter(Boolean).join('\n');
  return `e${n.id} [label=${quote(label)}${roots.has(String(n.id)) ? ', peripheries=2' : ''}];`;
}

/** A DOT double-quoted string: backslashes and quotes escaped, newlines as centered line breaks. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
