import type { EdgeKind, LineageGraph, VersionNode } from '../graph/lineage.js';
import { byCell, sortedEdges } from './lineage-dot.js';
import { shortValue, versionTitle } from './version-label.js';

const ARROW: Record<EdgeKind, string> = {
  data: '-->',
  control: '-. control .->',
  mutation: '== mutation ==>',
  call: '-. call .->',
};

/**
 * A Mermaid flowchart (GitHub renders ```mermaid blocks): one subgraph per cell, arrows along the data flow,
 * dashed for control and call dependencies, thick for mutations.
 */
export function renderMermaid(graph: LineageGraph): string {
  const out = ['flowchart TD'];
  for (const [cell, nodes] of byCell(graph)) {
    const indent = cell === null ? '  ' : '    ';
    if (cell !== null) out.push(`  subgraph cell${cell}["${escape(`cell ${cell}${nodes[0].stage ? ` · ${nodes[0].stage}` : ''}`)}"]`);
    for (const n of nodes) out.push(indent + nodeLine(n));
    if (cell !== null) out.push('  end');
  }
  for (const [source, target, kind] of sortedEdges(graph)) out.push(`  e${source} ${ARROW[kind]} e${target}`);
  return out.join('\n') + '\n';
}

function nodeLine(n: VersionNode): string {
  const value = shortValue(n);
  return `e${n.id}["${escape(versionTitle(n))}${value ? `<br/>${escape(value)}` : ''}"]`;
}

/** Mermaid labels take HTML entities as `#name;`: quotes and angle brackets would end or open markup. */
function escape(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\n/g, ' ');
}
