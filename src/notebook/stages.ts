import { NbprovError } from '../errors.js';
import { STANDARD_STAGES } from '../stages.js';

export { STANDARD_STAGES };

const ALIASES: Record<string, string> = {
  data: 'data-reading',
  read: 'data-reading',
  reading: 'data-reading',
  features: 'feature-engineering',
  feature: 'feature-engineering',
  fe: 'feature-engineering',
  model: 'model-scoring',
  scoring: 'model-scoring',
  training: 'model-scoring',
  metrics: 'metrics-evaluation',
  evaluation: 'metrics-evaluation',
  eval: 'metrics-evaluation',
};

/** Cell tags with a meaning of their own (papermill, nbclient): never stages. */
export const RESERVED_TAGS = new Set(['parameters', 'injected-parameters', 'raises-exception', 'skip-execution', 'remove-input', 'remove-output', 'remove-cell', 'hide-input', 'hide-output']);

const STAGE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Normalizes a stage name (aliases → standard names); throws NBPROV_USAGE for a malformed or reserved one. */
export function parseStage(input: string): string {
  const name = ALIASES[input] ?? input;
  if (!STAGE_NAME.test(name)) {
    throw new NbprovError('NBPROV_USAGE', `stage '${input}' may only hold lowercase letters, digits and '-'`, {
      hint: `use one of ${STANDARD_STAGES.join(', ')}, or a custom name like 'hyperparameter-search'`,
    });
  }
  if (RESERVED_TAGS.has(name)) throw new NbprovError('NBPROV_USAGE', `'${name}' is a reserved cell tag, not a stage`);
  return name;
}

/**
 * The stage among a cell's tags: a standard stage name, or a custom one the notebook registered
 * (`metadata.nbprov.stages`). Other tags (parameters, user labels) are not stages.
 */
export function stageOf(tags: readonly string[], customStages: readonly string[]): string | undefined {
  return tags.find((t) => (STANDARD_STAGES as readonly string[]).includes(t) || customStages.includes(t));
}
