// How a trial's name is shown, by the CLI and in the report page alike (no imports: the page bundles it).

/** The name as a one-line, visible token: JSON's escapes for what a terminal would not show. */
export function quoteName(name: string): string {
  return /^[^'\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u.test(name) && name.trim() === name ? `'${name}'` : JSON.stringify(name);
}
