/** What a command hands back to main.ts, the one place that prints results and sets the exit code. */
export interface CommandResult {
  stdout?: string;
  /** An outcome the command reports rather than throws, such as a run whose cell raised; printed before stdout. */
  stderr?: string;
  /** Default: 0. */
  exitCode?: number;
}

/** A graceful stop on Ctrl-C, SIGTERM and SIGHUP, until release(). */
export interface StopSignalTrap {
  /** Aborted by the first signal, with the signal's name (`SIGINT`, `SIGTERM`, `SIGHUP`) as its reason. */
  signal: AbortSignal;
  release(): void;
}

/** What main.ts gives each command's registration: the process-wide concerns a command must not own. */
export interface CommandContext {
  /** Hands over the command's result; main.ts prints it and exits with its code once the action returned. */
  reply(result: CommandResult): void;
  /** Prints a warning on stderr at once (`nbprov: warning: …`), while the command goes on. */
  warn(message: string): void;
  /**
   * Traps Ctrl-C, SIGTERM and SIGHUP: the first calls `onFirst` and aborts the trap's signal; a second exits at once
   * with 128 + the signal's number.
   */
  trapStopSignals(onFirst: (signal: NodeJS.Signals) => void): StopSignalTrap;
}
