import type { EdgeKind, LineageGraph, VersionNode } from '../graph/lineage.js';
import type { FileAccess } from '../store/queries.js';
import { shortValue } from './version-label.js';

/**
 * A trial as W3C PROV (https://www.w3.org/TR/prov-dm/): its variable versions and files are entities, its cell runs
 * and the trial itself activities, the user and nbprov agents, and nbprov's lineage edges `wasDerivedFrom`. One model,
 * written out as PROV-JSON (prov-json.ts) or PROV-N (prov-n.ts).
 *
 * Identifiers are qualified names in a namespace of the trial's own (`trial:` bound to a URI holding its id), so the
 * documents of several trials merge without two meaning one; only nbprov itself, a software agent per version, is
 * shared.
 */

/** nbprov's vocabulary: types and attributes. */
export const NBPROV_NAMESPACE = 'urn:nbprov:';

export type ProvKind = 'entity' | 'activity' | 'agent' | 'used' | 'wasGeneratedBy' | 'wasDerivedFrom' | 'wasInformedBy' | 'wasStartedBy' | 'wasAssociatedWith';

/** An attribute's value: a string, an integer, a qualified name or a time. */
export type ProvValue = string | number | { qname: string } | Date;

/** One PROV statement: an element (with its id) or a relation (anonymous), its formal arguments in PROV-N order. */
export interface ProvRecord {
  kind: ProvKind;
  id?: string;
  /** Qualified names or times, undefined where PROV-N writes `-`; one per FORMALS entry of the kind. */
  args: (string | Date | undefined)[];
  attributes: [string, ProvValue][];
}

export interface ProvDocument {
  /** prefix → namespace URI (prov: and xsd: are predefined). */
  prefixes: [string, string][];
  records: ProvRecord[];
}

/** Each kind's formal arguments, as PROV-JSON names them, in PROV-N's order. */
export const FORMALS: Record<ProvKind, string[]> = {
  entity: [],
  activity: ['prov:startTime', 'prov:endTime'],
  agent: [],
  used: ['prov:activity', 'prov:entity', 'prov:time'],
  wasGeneratedBy: ['prov:entity', 'prov:activity', 'prov:time'],
  wasDerivedFrom: ['prov:generatedEntity', 'prov:usedEntity', 'prov:activity', 'prov:generation', 'prov:usage'],
  wasInformedBy: ['prov:informed', 'prov:informant'],
  wasStartedBy: ['prov:activity', 'prov:trigger', 'prov:starter', 'prov:time'],
  wasAssociatedWith: ['prov:activity', 'prov:agent', 'prov:plan'],
};

export interface ProvTrial {
  id: string;
  sequence: number;
  notebook: string;
  notebookHash: string | null;
  status: string;
  start?: Date;
  finish?: Date;
  /** The version of nbprov that recorded the trial, when it said. */
  recordedBy: string | null;
}

/** One cell run (activation) of the trial. */
export interface ProvCell {
  activationId: number;
  /** 1-based index, as `nbprov show` numbers cells. */
  index: number;
  cellId: string | null;
  stage: string | null;
  status: string;
  codeHash: string;
  start?: Date;
  end?: Date;
}

/** What the document is made from: plain data the CLI reads through store/ and graph/. */
export interface ProvSource {
  trial: ProvTrial;
  cells: ProvCell[];
  /** The versions to describe and nbprov's lineage edges between them. */
  graph: LineageGraph;
  files: FileAccess[];
  /** Evaluation id → its tag (param, metric:max, ...), for the versions a tag names. */
  tags: Map<number, string>;
}

const RUN = 'trial:run';
const NOTEBOOK = 'trial:notebook';
const USER = 'trial:user';
const qname = (name: string): { qname: string } => ({ qname: name });

/** The PROV document of a trial, or of the part of it `graph` holds. */
export function provDocument(source: ProvSource): ProvDocument {
  const cellOf = new Map(source.cells.map((c) => [c.activationId, `trial:cell/${c.index}`]));
  const agent = softwareAgentId(source.trial.recordedBy);
  const fileRecords = fileStatements(source.files, cellOf);
  const groups: ProvRecord[][] = [
    trialElements(source.trial, agent),
    versionEntities(source.graph, source.tags),
    fileRecords.entities,
    source.cells.map(cellActivity),
    lineageStatements(source.graph, cellOf),
    fileRecords.relations,
    source.cells.map((cell) => relation('wasStartedBy', [cellOf.get(cell.activationId), undefined, RUN, cell.start])),
    [relation('wasAssociatedWith', [RUN, USER, undefined]), relation('wasAssociatedWith', [RUN, agent, NOTEBOOK])],
  ];
  // Grouped by kind, in FORMALS' order, as PROV-JSON groups them: a stable bucket pass, not a sort of every record.
  const byKind = new Map(Object.keys(FORMALS).map((kind) => [kind, [] as ProvRecord[]]));
  for (const group of groups) for (const record of group) byKind.get(record.kind)!.push(record);
  const prefixes: [string, string][] = [['trial', `urn:nbprov:trial:${source.trial.id}/`], ['nbprov', NBPROV_NAMESPACE]];
  return { prefixes, records: [...byKind.values()].flat() };
}

/** nbprov, one agent per version: the same agent in every trial that version recorded. */
function softwareAgentId(version: string | null): string {
  return version ? `nbprov:nbprov/${localName(version)}` : 'nbprov:nbprov';
}

/** The trial's run, its notebook (the plan nbprov followed), the user who ran it and nbprov. */
function trialElements(trial: ProvTrial, agent: string): ProvRecord[] {
  const run: [string, ProvValue][] = [
    ['prov:type', qname('nbprov:Trial')],
    ['prov:label', `trial ${trial.sequence} · ${trial.notebook}`],
    ['nbprov:id', trial.id],
    ['nbprov:sequence', trial.sequence],
    ['nbprov:status', trial.status],
  ];
  const notebook: [string, ProvValue][] = [['prov:type', qname('prov:Plan')], ['prov:label', trial.notebook], ['nbprov:path', trial.notebook]];
  if (trial.notebookHash) notebook.push(['nbprov:sha1', trial.notebookHash]);
  const software: [string, ProvValue][] = [['prov:type', qname('prov:SoftwareAgent')], ['prov:label', trial.recordedBy ? `nbprov ${trial.recordedBy}` : 'nbprov']];
  if (trial.recordedBy) software.push(['nbprov:version', trial.recordedBy]);
  return [
    element('entity', NOTEBOOK, [], notebook),
    element('activity', RUN, [trial.start, trial.finish], run),
    element('agent', USER, [], [['prov:type', qname('prov:Person')], ['prov:label', `the user who ran trial ${trial.sequence}`]]),
    element('agent', agent, [], software),
    relation('used', [RUN, NOTEBOOK, trial.start]),
  ];
}

function versionEntities(graph: LineageGraph, tags: Map<number, string>): ProvRecord[] {
  const nodes = graph.mapNodes((_, n) => n).sort((a, b) => a.id - b.id);
  return nodes.map((n) => element('entity', versionId(n.id), [], versionAttributes(n, tags.get(n.id))));
}

function versionAttributes(n: VersionNode, tag: string | undefined): [string, ProvValue][] {
  const attributes: [string, ProvValue][] = [
    ['prov:type', qname('nbprov:Version')],
    ['prov:label', n.name],
    ['nbprov:version', n.version],
    ['nbprov:kind', n.kind],
  ];
  if (n.type !== null) attributes.push(['nbprov:type', n.type]);
  const value = shortValue(n);
  if (value !== '') attributes.push(['nbprov:value', value]);
  if (n.iterations !== null) attributes.push(['nbprov:iterations', n.iterations]);
  if (n.line !== null) attributes.push(['nbprov:line', n.line]);
  if (tag !== undefined) attributes.push(['nbprov:tag', tag]);
  return attributes;
}

function cellActivity(cell: ProvCell): ProvRecord {
  const attributes: [string, ProvValue][] = [
    ['prov:type', qname('nbprov:CellRun')],
    ['prov:label', cell.stage ? `cell ${cell.index} · ${cell.stage}` : `cell ${cell.index}`],
    ['nbprov:cell', cell.index],
  ];
  if (cell.cellId !== null) attributes.push(['nbprov:cellId', cell.cellId]);
  if (cell.stage !== null) attributes.push(['nbprov:stage', cell.stage]);
  attributes.push(['nbprov:status', cell.status], ['nbprov:codeHash', cell.codeHash]);
  return element('activity', `trial:cell/${cell.index}`, [cell.start, cell.end], attributes);
}

const DERIVATION_TYPE: Partial<Record<EdgeKind, string>> = { mutation: 'prov:Revision' };

/**
 * From the lineage edges: each version generated by its cell, derived from what it was built from (a mutation is a
 * revision of the object's previous version), and a cell's use of the versions other cells made, which makes the
 * cells that made them inform it.
 */
function lineageStatements(graph: LineageGraph, cellOf: Map<number, string>): ProvRecord[] {
  const nodes = graph.mapNodes((_, n) => n).sort((a, b) => a.id - b.id);
  const cell = (n: VersionNode) => (n.activationId === null ? undefined : cellOf.get(n.activationId));
  const generated = nodes.filter((n) => cell(n) !== undefined).map((n) => relation('wasGeneratedBy', [versionId(n.id), cell(n), undefined]));
  const edges: [VersionNode, VersionNode, EdgeKind][] = [];
  graph.forEachEdge((_, attrs, source, target) => {
    for (const kind of attrs.kinds) edges.push([graph.getNodeAttributes(target), graph.getNodeAttributes(source), kind]);
  });
  edges.sort(([a, b, k], [c, d, l]) => a.id - c.id || b.id - d.id || k.localeCompare(l));
  const derived: ProvRecord[] = [];
  const used = new Map<string, ProvRecord>();
  const informed = new Map<string, ProvRecord>();
  for (const [dependent, dependency, kind] of edges) {
    const attributes: [string, ProvValue][] = DERIVATION_TYPE[kind] ? [['prov:type', qname(DERIVATION_TYPE[kind])]] : [];
    attributes.push(['nbprov:dependency', kind]);
    derived.push(relation('wasDerivedFrom', [versionId(dependent.id), versionId(dependency.id), cell(dependent), undefined, undefined], attributes));
    const [user, maker] = [cell(dependent), cell(dependency)];
    if (user === undefined || user === maker) continue;
    const entity = versionId(dependency.id);
    if (!used.has(`${user} ${entity}`)) used.set(`${user} ${entity}`, relation('used', [user, entity, undefined]));
    if (maker !== undefined && !informed.has(`${user} ${maker}`)) informed.set(`${user} ${maker}`, relation('wasInformedBy', [user, maker]));
  }
  return [...generated, ...used.values(), ...derived, ...informed.values()];
}

/**
 * Files as entities, one per path and content (sha1): a cell that read a file used the content it found, a cell
 * that wrote one generated the content it left (and used what it appended to or updated). Paths are data here,
 * never opened.
 */
function fileStatements(files: FileAccess[], cellOf: Map<number, string>): { entities: ProvRecord[]; relations: ProvRecord[] } {
  const ids = new Map<string, string>();
  const entities: ProvRecord[] = [];
  const entity = (path: string, sha1: string | null): string => {
    const key = `${sha1 ?? '-'} ${path}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = `trial:file/${ids.size + 1}`;
      ids.set(key, id);
      const attributes: [string, ProvValue][] = [['prov:type', qname('nbprov:File')], ['prov:label', path], ['nbprov:path', path]];
      if (sha1 !== null) attributes.push(['nbprov:sha1', sha1]);
      entities.push(element('entity', id, [], attributes));
    }
    return id;
  };
  const relations: ProvRecord[] = [];
  for (const f of files) {
    const cell = (f.activationId === null ? undefined : cellOf.get(f.activationId)) ?? RUN;
    const writes = /[wax+]/.test(f.mode);
    if (!writes || /[a+]/.test(f.mode)) relations.push(relation('used', [cell, entity(f.name, f.before), undefined], [['nbprov:mode', f.mode]]));
    if (writes) relations.push(relation('wasGeneratedBy', [entity(f.name, f.after), cell, undefined], [['nbprov:mode', f.mode]]));
  }
  return { entities, relations };
}

function versionId(evaluationId: number): string {
  return `trial:version/${evaluationId}`;
}

function element(kind: ProvKind, id: string, args: ProvRecord['args'], attributes: [string, ProvValue][]): ProvRecord {
  return { kind, id, args, attributes };
}

function relation(kind: ProvKind, args: ProvRecord['args'], attributes: [string, ProvValue][] = []): ProvRecord {
  return { kind, args, attributes };
}

/** Text made safe as the local part of a qualified name (PROV-N's PN_LOCAL): other bytes percent-encoded, and a final dot. */
function localName(text: string): string {
  const encode = (b: number) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  const bytes = [...Buffer.from(text, 'utf8')];
  return bytes.map((b, i) => (/[A-Za-z0-9_-]/.test(String.fromCharCode(b)) || (b === 0x2e && i < bytes.length - 1) ? String.fromCharCode(b) : encode(b))).join('');
}
