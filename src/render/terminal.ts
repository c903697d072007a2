/** Whether output to stdout gets colors and bold: a terminal, and NO_COLOR (no-color.org) unset. */
export function stdoutColors(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
