/**
 * `parley list` reads each description from its YAML alone: the same text
 * loading the scenario gives.
 */
import { describe, expect, it } from 'vitest';
import { catalogDescription, catalogNames, loadNamed } from '../../cli/catalog.ts';

describe('parley list', () => {
  it("gives each catalogue scenario's description as loading the scenario gives it", () => {
    const names = catalogNames();
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names)
      expect(catalogDescription(name), name).toBe(loadNamed(name).source.description);
  });
});
