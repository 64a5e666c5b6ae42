/** Options for the worker threads parley starts. */

/**
 * Options for a new worker thread: no Node options when the compiled build
 * is running (PARLEY_BUILD, cli/compiled.mjs), else the process's own, which
 * a worker inherits by default. V8's flags (such as --expose-gc) are the
 * process's whatever a worker is given; what a worker given none no longer
 * inherits are the module preloads (`--import tsx`, `--require …`), which the
 * build does not need and each worker would load and run again: tsx, which a
 * benchmark or a script run as `node --import tsx` passes on, spent about
 * 80 ms of transforms in each sweep worker before its first run. (A list
 * without the preloads would not do: Node refuses a worker any process-wide
 * option, such as --expose-gc.)
 */
export function threadOptions(): { execArgv?: string[] } {
  return process.env['PARLEY_BUILD'] ? { execArgv: [] } : {};
}
