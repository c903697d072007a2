import { FORMALS, type ProvDocument, type ProvKind, type ProvRecord, type ProvValue } from './prov-model.js';

/** Blank-node prefixes of anonymous relations, one counter per kind (`_:wDF1`), as the PROV-JSON examples write them. */
const BLANK: Partial<Record<ProvKind, string>> = {
  used: 'u',
  wasGeneratedBy: 'wGB',
  wasDerivedFrom: 'wDF',
  wasInformedBy: 'wIB',
  wasStartedBy: 'wSB',
  wasAssociatedWith: 'wAW',
};

/**
 * The document in the PROV-JSON submission's structure (https://www.w3.org/submissions/prov-json/): `prefix`, then one
 * object per kind, keyed by identifier (a relation by a blank node). Integers are JSON numbers, qualified names and
 * times typed values, strings plain. One statement a line: a 10^4-version trial is 5 MB rather than 10 indented.
 * `doc.records` come grouped by kind.
 */
export function renderProvJson(doc: ProvDocument): string {
  const prefixes = doc.prefixes.map(([prefix, uri]) => `    ${JSON.stringify(prefix)}: ${JSON.stringify(uri)}`);
  const parts = [`{\n  "prefix": {\n${prefixes.join(',\n')}\n  }`];
  let kind: ProvKind | undefined;
  let lines: string[] = [];
  let counter = 0;
  const flush = () => {
    if (kind !== undefined) parts.push(`  ${JSON.stringify(kind)}: {\n${lines.join(',\n')}\n  }`);
  };
  for (const record of doc.records) {
    if (record.kind !== kind) {
      flush();
      [kind, lines, counter] = [record.kind, [], 0];
    }
    const id = record.id ?? `_:${BLANK[record.kind]}${++counter}`;
    lines.push(`    ${JSON.stringify(id)}: ${JSON.stringify(recordBody(record))}`);
  }
  flush();
  return `${parts.join(',\n')}\n}\n`;
}

function recordBody(record: ProvRecord): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  FORMALS[record.kind].forEach((name, i) => {
    const arg = record.args[i];
    if (arg !== undefined) body[name] = arg instanceof Date ? arg.toISOString() : arg;
  });
  for (const [key, value] of record.attributes) {
    const encoded = jsonValue(value);
    const known = body[key];
    body[key] = known === undefined ? encoded : Array.isArray(known) ? [...known, encoded] : [known, encoded];
  }
  return body;
}

function jsonValue(value: ProvValue): unknown {
  if (value instanceof Date) return { $: value.toISOString(), type: 'xsd:dateTime' };
  if (typeof value === 'object') return { $: value.qname, type: 'prov:QUALIFIED_NAME' };
  return value;
}
