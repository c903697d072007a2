import { InvalidArgumentError } from 'commander';

/** A commander parser for positive numbers that names the flag in its error. */
export function parsePositive(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} needs a positive number, got '${value}'.`);
    return n;
  };
}

/** Accumulates a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
