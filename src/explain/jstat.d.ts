// jstat ships no types: only what src/explain/stats.ts calls.
declare module 'jstat' {
  interface JStat {
    /** The regularized incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
    studentt: { cdf(x: number, dof: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
