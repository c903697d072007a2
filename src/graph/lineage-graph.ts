import type { EdgeKind } from './lineage-index.js';

/** One version of a name: a node of the lineage graph, keyed by its evaluation id. */
export interface VersionNode {
  id: number;
  name: string;
  /** 1-based rank among the trial's versions of this name. */
  version: number;
  kind: string;
  type: string | null;
  /** Exact scalar as JSON text, or null when only a summary or repr was kept. */
  value: string | null;
  summary: Record<string, unknown> | null;
  repr: string | null;
  iterations: number | null;
  activationId: number | null;
  cell: number | null;
  cellId: string | null;
  cellStatus: string | null;
  stage: string | null;
  line: number | null;
  /** Shortest distance from a root, in edges. */
  depth: number;
  /** True when --depth stopped the walk here although the node has further edges. */
  truncated: boolean;
}

export interface LineageEdge {
  kinds: EdgeKind[];
}

type EdgeCallback = (edge: string, attributes: LineageEdge, source: string, target: string) => void;

interface StoredEdge {
  key: string;
  attributes: LineageEdge;
  source: string;
  target: string;
}

/**
 * The answer of one walk, for the renderers: versions keyed by evaluation id (as strings) and edges along the data
 * flow, dependency → dependent, one per pair with every kind linking it. Read-only once built; its methods are
 * named and called as graphology's, which nbprov used before the engine moved to typed arrays (lineage-index.ts).
 */
export class LineageGraph {
  readonly #nodes = new Map<string, VersionNode>();
  readonly #edges = new Map<string, StoredEdge>();
  readonly #in = new Map<string, StoredEdge[]>();
  readonly #out = new Map<string, StoredEdge[]>();

  /** The number of nodes. */
  get order(): number {
    return this.#nodes.size;
  }

  hasNode(key: string): boolean {
    return this.#nodes.has(key);
  }

  addNode(key: string, attributes: VersionNode): void {
    this.#nodes.set(key, attributes);
  }

  /** Links `source` (the dependency) to `target` (the dependent) by `kind`; pairs missing a node are left out. */
  addEdge(source: string, target: string, kind: EdgeKind): void {
    if (!this.#nodes.has(source) || !this.#nodes.has(target)) return;
    const key = `${source}->${target}`;
    const known = this.#edges.get(key);
    if (known) {
      if (!known.attributes.kinds.includes(kind)) known.attributes.kinds.push(kind);
      return;
    }
    const edge = { key, attributes: { kinds: [kind] }, source, target };
    this.#edges.set(key, edge);
    push(this.#out, source, edge);
    push(this.#in, target, edge);
  }

  getNodeAttributes(key: string): VersionNode {
    const node = this.#nodes.get(key);
    if (!node) throw new Error(`no version ${key} in this lineage graph`);
    return node;
  }

  forEachNode(callback: (key: string, attributes: VersionNode) => void): void {
    for (const [key, node] of this.#nodes) callback(key, node);
  }

  mapNodes<T>(callback: (key: string, attributes: VersionNode) => T): T[] {
    return [...this.#nodes].map(([key, node]) => callback(key, node));
  }

  forEachEdge(callback: EdgeCallback): void {
    for (const e of this.#edges.values()) callback(e.key, e.attributes, e.source, e.target);
  }

  /** The edges into `key`: from the versions it was built from. */
  forEachInEdge(key: string, callback: EdgeCallback): void {
    for (const e of this.#in.get(key) ?? []) callback(e.key, e.attributes, e.source, e.target);
  }

  /** The edges out of `key`: to the versions built from it. */
  forEachOutEdge(key: string, callback: EdgeCallback): void {
    for (const e of this.#out.get(key) ?? []) callback(e.key, e.attributes, e.source, e.target);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
