/**
 * The catalogue's cassettes of model replies: model-injection's is what
 * scripts/record-cassette.ts records today (so it answers every request the
 * scenario and its variants ask at the documented seed), and `parley run`
 * answers from it by default, with no model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogCassette, catalogModels } from '../../cli/cassettes.ts';
import { cassetteText, recordInjection } from '../../scripts/record-cassette.ts';
import { parley } from '../fixtures/cli.ts';

const file = join(
  import.meta.dirname,
  '..',
  '..',
  'scenarios',
  'catalog',
  'cassettes',
  'model-injection.jsonl',
);

describe('catalogue cassettes', () => {
  it('model-injection.jsonl is what the scripted model records today, byte for byte', () => {
    expect(cassetteText(recordInjection()), 'node --import tsx scripts/record-cassette.ts').toBe(
      readFileSync(file, 'utf8'),
    );
    expect(catalogCassette('model-injection')).toHaveLength(8);
    expect(catalogCassette('two-generals')).toBeUndefined();
    expect(catalogCassette('../model-injection')).toBeUndefined();
  });

  it('parley run model-injection answers from the cassette, with no model', () => {
    const base = JSON.parse(parley('run', 'model-injection', '--json').out);
    expect(base.hash).toBe('fd29b390f8c9e850d03ba0e66f44d012f63d5cacda014a40a428746ddb34f395');
    expect(
      base.verdicts.map((v: { property: string; status: string }) => [v.property, v.status]),
    ).toEqual([
      ['breach', 'fails'],
      ['destructive-action', 'fails'],
      ['utility', 'holds'],
    ]);
    expect(base.met).toBe(true);
    const mitigated = parley('run', 'model-injection', '--variant', 'mitigated', '--json');
    expect(mitigated.code).toBe(0);
    expect(JSON.parse(mitigated.out).hash).toBe(
      '04c057a0e525f348ef7cd9188813822ef7a9b143306494f8e9eee633a82ccf8c',
    );
  });

  it('a request the cassette lacks goes to the live model: failure is data, never a parley bug', () => {
    const { code, out, err } = parley(
      'run',
      'model-injection',
      '--set',
      'model.model=llama3.1',
      '--set',
      'model.endpoint=http://127.0.0.1:9/v1',
    );
    expect(code).not.toBe(0);
    expect(err).not.toContain('a bug in parley');
    // The registered HTTP host records the refused connection; without one, the run says what it needs.
    expect(`${out}${err}`).toMatch(
      /model call failed at tick 0 \(refused\)|its agents ask a language model/,
    );
    expect(catalogModels('two-generals', {} as never)).toBeUndefined();
  });
});
