import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const executablePath = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Python, the one scripts/ensure-system.mjs installs packages for. */
const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * The PATH the node tests run with: `python3` is Debian's when it is
 * installed, through a folder holding only a link to it, put first. The
 * tests start Python programs (process agents) thousands of times, and a
 * version manager's `python3` first on PATH is a shell script: pyenv's shim
 * took 0.3 s a start here against 0.03 s, and the whole vitest run 1,230 s
 * against 737 s. Everything else on PATH is found as before.
 */
function testPath(): string | undefined {
  if (!existsSync(DEBIAN_PYTHON)) return undefined;
  const bin = join(import.meta.dirname, 'node_modules', '.cache', 'parley-test-bin');
  const link = join(bin, 'python3');
  mkdirSync(bin, { recursive: true });
  const linked = () => {
    try {
      return readlinkSync(link) === DEBIAN_PYTHON;
    } catch {
      return false;
    }
  };
  if (!linked()) {
    rmSync(link, { force: true });
    try {
      symlinkSync(DEBIAN_PYTHON, link);
    } catch (err) {
      // Another test run made it meanwhile.
      if (!linked()) throw err;
    }
  }
  const path = process.env['PATH'] ?? '';
  return [bin, ...path.split(delimiter).filter((d) => d !== bin)].join(delimiter);
}
const PATH = testPath();

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          ...(PATH === undefined ? {} : { env: { PATH } }),
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // PARLEY_SCREENSHOTS=1 lets the workshop test write docs/screenshots/ (else it writes under __screenshots__).
          env: { PARLEY_SCREENSHOTS: process.env['PARLEY_SCREENSHOTS'] ?? '' },
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath,
                args: [
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-quic',
                  '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
