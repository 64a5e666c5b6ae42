/**
 * The page's build: a relative base, so the built site (`npm run build`,
 * written to dist/) works from any folder of any static host, e.g.
 * https://example.org/courses/parley/, with no setting to change.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
  worker: { format: 'es' },
});
