/** The Chromium the visualizer benchmark drives: Debian's, which scripts/ensure-system.mjs installs, unless PARLEY_CHROMIUM names another. */
export const CHROMIUM = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';
