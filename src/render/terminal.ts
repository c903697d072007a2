/** Whether output to stdout gets colors and bold: a terminal, and NO_COLOR (no-color.org) unset. */
export function stdoutColors(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

// ESC sequences (CSI colors and cursor moves, OSC titles and hyperlinks, others) and the C0/C1 controls but tab and
// newline: notebook text must not restyle, retitle or overwrite the user's terminal.
const CONTROL = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Text from a notebook or a database, safe to print on a terminal. */
export function printable(text: string): string {
  return text.replace(CONTROL, '');
}
