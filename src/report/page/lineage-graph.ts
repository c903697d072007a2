// One `deps --json` graph laid out by dagre and drawn as SVG through DOM calls; zoomed by changing its viewBox.
import { Graph, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import { versionPlace, versionTitle } from '../../render/version-label.js';
import { svg } from './dom.js';
import { NO_STAGE, stageColor } from './stages.js';
import type { LineageJson, LineageNodeJson } from './types.js';

const CHAR_WIDTH = 7;
const LINE_HEIGHT = 15;
const PADDING = 8;
const MAX_LABEL = 36;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The graph as an <svg>, data flowing left to right (dependency → dependent), the metric on the right. */
export function lineageSvg(graph: LineageJson, markerId: string): { element: SVGSVGElement; box: Box } {
  const g = new Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 46, marginx: 10, marginy: 10 });
  const lines = new Map(graph.nodes.map((n) => [String(n.id), labelLines(n)]));
  for (const n of graph.nodes) {
    const text = lines.get(String(n.id))!;
    g.setNode(String(n.id), { width: Math.max(...text.map((l) => l.length)) * CHAR_WIDTH + 2 * PADDING, height: text.length * LINE_HEIGHT + PADDING });
  }
  for (const e of graph.edges) g.setEdge(String(e.dependency), String(e.dependent), {}, e.type);
  layout(g);
  const width = g.graph().width ?? 0;
  const height = g.graph().height ?? 0;
  const element = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', preserveAspectRatio: 'xMidYMid meet' }, arrowMarker(markerId));
  for (const e of g.edges()) {
    const points = g.edge(e).points ?? [];
    const mutation = e.name === 'mutation';
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    element.append(svg('path', { class: `edge ${e.name ?? 'data'}${mutation ? ' mutation' : ''}`, d, 'marker-end': `url(#${markerId})` }, svg('title', {}, `${e.name ?? 'data'} dependency`)));
  }
  const roots = new Set(graph.roots);
  for (const n of graph.nodes) {
    const pos = g.node(String(n.id));
    element.append(nodeGroup(n, lines.get(String(n.id))!, pos, roots.has(n.id)));
  }
  return { element, box: { x: 0, y: 0, width, height } };
}

function labelLines(n: LineageNodeJson): string[] {
  const cut = (s: string) => (s.length > MAX_LABEL ? s.slice(0, MAX_LABEL - 1) + '…' : s);
  return [cut(versionTitle(n)), ...(n.display ? [cut(n.display)] : [])];
}

function nodeGroup(n: LineageNodeJson, lines: string[], pos: { x?: number; y?: number; width: number; height: number }, root: boolean): SVGGElement {
  const x = (pos.x ?? 0) - pos.width / 2;
  const y = (pos.y ?? 0) - pos.height / 2;
  const title = `${versionTitle(n)}${n.display ? ` = ${n.display}` : ''}\n${versionPlace(n)}`;
  const group = svg(
    'g',
    { class: root ? 'node root' : 'node', 'data-name': n.name, 'data-version': String(n.version), 'data-stage': n.stage ?? NO_STAGE },
    svg('title', {}, title),
    svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: pos.width, height: pos.height, rx: 4, fill: stageColor(n.stage) }),
  );
  lines.forEach((line, i) => {
    group.append(svg('text', { x: (x + PADDING).toFixed(1), y: (y + PADDING / 2 + LINE_HEIGHT * (i + 0.75)).toFixed(1), class: i ? 'value' : 'label' }, line));
  });
  return group;
}

function arrowMarker(id: string): SVGDefsElement {
  return svg(
    'defs',
    {},
    svg('marker', { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })),
  );
}

const ZOOM_STEP = 1.25;

/** Wheel zoom around the pointer, + / − / reset buttons around the centre, drag to pan; all through the viewBox. */
export function wireZoom(element: SVGSVGElement, full: Box, buttons: { zoomIn: HTMLButtonElement; zoomOut: HTMLButtonElement; reset: HTMLButtonElement }): void {
  let view = { ...full };
  const apply = () => element.setAttribute('viewBox', `${view.x.toFixed(1)} ${view.y.toFixed(1)} ${view.width.toFixed(1)} ${view.height.toFixed(1)}`);
  const zoom = (factor: number, cx = view.x + view.width / 2, cy = view.y + view.height / 2) => {
    const width = Math.min(Math.max(view.width * factor, full.width / 20), full.width * 4);
    const scale = width / view.width;
    view = { x: cx - (cx - view.x) * scale, y: cy - (cy - view.y) * scale, width, height: view.height * scale };
    apply();
  };
  const toGraph = (clientX: number, clientY: number) => {
    const rect = element.getBoundingClientRect();
    return { x: view.x + ((clientX - rect.left) / rect.width) * view.width, y: view.y + ((clientY - rect.top) / rect.height) * view.height };
  };
  element.addEventListener('wheel', (e) => {
    e.preventDefault();
    const p = toGraph(e.clientX, e.clientY);
    zoom(e.deltaY > 0 ? ZOOM_STEP : 1 / ZOOM_STEP, p.x, p.y);
  }, { passive: false });
  buttons.zoomIn.addEventListener('click', () => zoom(1 / ZOOM_STEP));
  buttons.zoomOut.addEventListener('click', () => zoom(ZOOM_STEP));
  buttons.reset.addEventListener('click', () => {
    view = { ...full };
    apply();
  });
  wirePan(element, () => view, (x, y) => {
    view = { ...view, x, y };
    apply();
  });
}

function wirePan(element: SVGSVGElement, current: () => Box, moveTo: (x: number, y: number) => void): void {
  let start: { clientX: number; clientY: number; x: number; y: number } | null = null;
  element.addEventListener('pointerdown', (e) => {
    const v = current();
    start = { clientX: e.clientX, clientY: e.clientY, x: v.x, y: v.y };
    element.setPointerCapture(e.pointerId);
  });
  element.addEventListener('pointermove', (e) => {
    if (!start) return;
    const v = current();
    const rect = element.getBoundingClientRect();
    moveTo(start.x - ((e.clientX - start.clientX) / rect.width) * v.width, start.y - ((e.clientY - start.clientY) / rect.height) * v.height);
  });
  const stop = () => {
    start = null;
  };
  element.addEventListener('pointerup', stop);
  element.addEventListener('pointercancel', stop);
}
