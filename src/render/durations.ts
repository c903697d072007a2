/** `12.34 s` under a minute, `3 m 5 s` above; `-` when there is no duration. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} m ${Math.round(seconds - m * 60)} s`;
}
