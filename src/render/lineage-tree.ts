import { Chalk, type ChalkInstance } from 'chalk';
import type { Direction, LineageGraph, VersionNode } from '../graph/lineage.js';
import { edgeMarker, shortValue, versionPlace, versionTitle } from './version-label.js';

export interface TreeOptions {
  direction: Direction;
  color: boolean;
  /** A note printed after a root's line, e.g. its tag. */
  rootNotes?: Map<string, string>;
  /** Levels to expand (`--depth`): a tree path can be longer than the shortest path the walk stopped at. */
  depth?: number;
  /** Nesting beyond this restarts the subtree as a block of its own, so deep chains do not print quadratic indentation. */
  maxIndent?: number;
}

export const DEFAULT_MAX_INDENT = 24;

/**
 * The lineage as an indented tree, each root first: its dependencies (backward) or its dependents (forward) below
 * it, in evaluation order. A version reached twice is printed once and named `(see above)` afterwards, so shared
 * ancestors cost one line per extra edge; roots share that memory, which keeps `--tagged` compact.
 */
export function renderTree(graph: LineageGraph, roots: string[], opts: TreeOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const maxIndent = opts.maxIndent ?? DEFAULT_MAX_INDENT;
  const printed = new Set<string>();
  const blocks = [...roots];
  const out: string[] = [];
  while (blocks.length) {
    const root = blocks.shift()!;
    if (printed.has(root) && !roots.includes(root)) continue;
    if (out.length) out.push('');
    const stack: Frame[] = [{ key: root, prefix: '', connector: '', level: 0 }];
    while (stack.length) {
      const f = stack.pop()!;
      const node = graph.getNodeAttributes(f.key);
      const head = `${f.prefix}${f.connector}${c.yellow(edgeMarker(f.kinds))}`;
      if (printed.has(f.key)) {
        out.push(`${head}${title(c, node)} ${c.dim('(see above)')}`);
        continue;
      }
      const children = childrenOf(graph, f.key, opts.direction);
      if (f.level >= (opts.depth ?? Infinity) && (children.length || node.truncated)) {
        // not marked printed: a shorter path may still expand it
        out.push(`${head}${label(c, node)}${c.dim(' …')}`);
        continue;
      }
      if (f.level >= maxIndent && children.length) {
        out.push(`${head}${label(c, node)} ${c.dim('(continued below)')}`);
        blocks.push(f.key);
        continue;
      }
      printed.add(f.key);
      const note = f.level === 0 ? opts.rootNotes?.get(f.key) : undefined;
      out.push(`${head}${label(c, node)}${node.truncated ? c.dim(' …') : ''}${note ? `  ${c.magenta(note)}` : ''}`);
      const childPrefix = f.level === 0 ? '' : f.prefix + (f.connector === '└─ ' ? '   ' : '│  ');
      for (let i = children.length - 1; i >= 0; i--) {
        const last = i === children.length - 1;
        stack.push({ key: children[i].key, kinds: children[i].kinds, prefix: childPrefix, connector: last ? '└─ ' : '├─ ', level: f.level + 1 });
      }
    }
  }
  return out.join('\n') + '\n';
}

interface Frame {
  key: string;
  kinds?: VersionEdgeKinds;
  prefix: string;
  connector: string;
  level: number;
}

type VersionEdgeKinds = Parameters<typeof edgeMarker>[0];

/** The next level of the tree: dependencies (backward) or dependents (forward), in evaluation order. */
export function childrenOf(graph: LineageGraph, key: string, direction: Direction): { key: string; kinds: VersionEdgeKinds }[] {
  const out: { key: string; kinds: VersionEdgeKinds; id: number }[] = [];
  if (direction === 'backward') graph.forEachInEdge(key, (_, attrs, source) => out.push({ key: source, kinds: attrs.kinds, id: Number(source) }));
  else graph.forEachOutEdge(key, (_, attrs, __, target) => out.push({ key: target, kinds: attrs.kinds, id: Number(target) }));
  return out.sort((a, b) => a.id - b.id);
}

function title(c: ChalkInstance, n: VersionNode): string {
  const t = versionTitle(n);
  return c.bold(n.name) + t.slice(n.name.length);
}

function label(c: ChalkInstance, n: VersionNode): string {
  const value = shortValue(n);
  const place = versionPlace(n);
  return `${title(c, n)}${value ? ` = ${c.green(value)}` : ''}${place ? `  ${c.dim(place)}` : ''}${n.cellStatus === 'error' ? `  ${c.red('(cell raised)')}` : ''}`;
}
