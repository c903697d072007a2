import type { Command } from 'commander';
import { NbprovError } from '../errors.js';
import { resolveTrial } from '../store/queries.js';
import { checkTrialName, renameTrial } from '../store/trial-names.js';
import { quoteName } from '../trial-name-text.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

interface NameFlags {
  db?: string;
  clear?: boolean;
}

export function registerName(program: Command, context: CommandContext): void {
  program
    .command('name')
    .description("name a recorded trial (or rename it), unique among its notebook's trials; the name then selects it")
    .argument('<trial>', 'trial selector: number, name, id prefix, last, last~N')
    .argument('[new-name]', 'the name, e.g. baseline: not a number, last, last~N or an id prefix')
    .option('--clear', 'remove the trial\'s name')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText('after', '\nExamples:\n  $ nbprov name last baseline\n  $ nbprov name 7 tuned\n  $ nbprov name baseline baseline-v1\n  $ nbprov name tuned --clear\n  $ nbprov diff baseline tuned')
    .action((trial: string, name: string | undefined, flags: NameFlags) => {
      context.reply({ stdout: handler(trial, name, flags) });
    });
}

export function handler(selector: string, name: string | undefined, flags: NameFlags): string {
  if (name !== undefined && flags.clear) throw new NbprovError('NBPROV_USAGE', 'give a new name or --clear, not both');
  if (name === undefined && !flags.clear) throw new NbprovError('NBPROV_USAGE', 'give the new name, or --clear to remove the name', { hint: 'nbprov name TRIAL NEW-NAME' });
  if (name !== undefined) checkTrialName(name, 'name');
  const { db } = openForReading({ db: flags.db });
  try {
    const trial = resolveTrial(db, selector);
    const previous = renameTrial(db, trial, name ?? null);
    const which = `trial ${trial.sequence} (${trial.id.slice(0, 8)})`;
    if (name === undefined) return previous === null ? `${which} has no name\n` : `${which} is no longer named ${quoteName(previous)}\n`;
    if (previous === name) return `${which} is already named ${quoteName(name)}\n`;
    return previous === null ? `${which} is named ${quoteName(name)}\n` : `${which} renamed ${quoteName(previous)} → ${quoteName(name)}\n`;
  } finally {
    db.close();
  }
}
