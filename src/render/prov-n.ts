import { FORMALS, type ProvDocument, type ProvValue } from './prov-model.js';

/**
 * The document in PROV-N (https://www.w3.org/TR/prov-n/), one statement a line: every formal argument written, `-`
 * where unknown; strings escaped as PROV-N's STRING_LITERAL wants, integers bare, qualified names quoted with '.
 */
export function renderProvN(doc: ProvDocument): string {
  const lines = ['document'];
  for (const [prefix, uri] of doc.prefixes) lines.push(`  prefix ${prefix} <${uri}>`);
  lines.push('');
  for (const record of doc.records) {
    const args = FORMALS[record.kind].map((_, i) => {
      const arg = record.args[i];
      return arg === undefined ? '-' : arg instanceof Date ? arg.toISOString() : arg;
    });
    if (record.id !== undefined) args.unshift(record.id);
    if (record.attributes.length) args.push(`[${record.attributes.map(([key, value]) => `${key}=${literal(value)}`).join(', ')}]`);
    lines.push(`  ${record.kind}(${args.join(', ')})`);
  }
  lines.push('endDocument');
  return lines.join('\n') + '\n';
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function literal(value: ProvValue): string {
  if (value instanceof Date) return `"${value.toISOString()}" %% xsd:dateTime`;
  if (typeof value === 'object') return `'${value.qname}'`;
  if (typeof value === 'number') return String(value);
  return `"${value.replace(/["\\\n\r\t\b\f]/g, (c) => ESCAPES[c])}"`;
}
