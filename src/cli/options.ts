import { InvalidArgumentError } from 'commander';

/** A commander parser for positive numbers that names the flag in its error. */
export function parsePositive(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} needs a positive number, got '${value}'.`);
    return n;
  };
}

/** A commander parser for a TCP port: an integer from 1 to 65535. */
export function parsePort(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${flag} needs an integer from 1 to 65535, got '${value}'.`);
    return n;
  };
}

/** Accumulates a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
