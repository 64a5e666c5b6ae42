/**
 * Scenario files and overrides written to break the loader or what comes
 * after it: keys that reach a prototype, typed YAML values, keys that are
 * collections, unknown tags, nesting and aliases that would exhaust the
 * parser, numbers the engine's clock cannot honour. Each is refused with a
 * position, before any object or run sees it.
 */
import { describe, expect, it } from 'vitest';
import { problems } from '../fixtures/load-problems.ts';

const BASE = 'name: t\nprotocol: two-generals\nagents: [{ id: a }, { id: b }]\n';

describe('keys that would reach a prototype', () => {
  it('refuses __proto__, constructor and prototype in overrides, and touches no prototype', () => {
    expect(problems(BASE, ['__proto__.polluted=1'])).toEqual([
      `f.yaml: override __proto__.polluted=1: "__proto__" cannot be a key: it names a JavaScript object's prototype, not a scenario field`,
    ]);
    expect(problems(BASE, ['params.constructor.x=1'])[0]).toMatch(
      /override params\.constructor\.x=1: "constructor" cannot be a key/,
    );
    expect(problems(BASE, ['params={__proto__: {polluted: 1}}'])).toEqual([
      `f.yaml: override params={__proto__: {polluted: 1}}: params.__proto__: "__proto__" cannot be a key: it names a JavaScript object's prototype, not a scenario field`,
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses them in the file, at the key', () => {
    expect(problems(`${BASE}params:\n  prototype: 1\n  nested: { constructor: 2 }\n`)).toEqual([
      `f.yaml:5:3: params.prototype: "prototype" cannot be a key: it names a JavaScript object's prototype, not a scenario field`,
      `f.yaml:6:13: params.nested.constructor: "constructor" cannot be a key: it names a JavaScript object's prototype, not a scenario field`,
    ]);
  });
});

describe('YAML that is not plain data', () => {
  it('refuses typed values, collection keys and unknown tags with their positions', () => {
    expect(problems(`${BASE}params:\n  bytes: !!binary aGVsbG8=\n`)).toEqual([
      'f.yaml:5:19: params.bytes: is a YAML !!binary value; scenarios hold text, numbers, true/false, lists and maps',
    ]);
    expect(problems(`${BASE}params:\n  when: !!timestamp 2001-12-14\n`)).toEqual([
      'f.yaml:5:21: params.when: is a YAML !!timestamp value; scenarios hold text, numbers, true/false, lists and maps',
    ]);
    expect(problems(`${BASE}params:\n  ? [1, 2]\n  : x\n`)).toEqual([
      'f.yaml:5:5: a key must be text or a number, not a list or a map',
    ]);
    expect(problems(`${BASE}params:\n  y: !custom 3\n`)).toEqual([
      'f.yaml:5:6: Unresolved tag: !custom: parley knows no such tag',
    ]);
    expect(problems(BASE, ['params.x=!!binary aGVsbG8='])).toEqual([
      'f.yaml: override params.x=!!binary aGVsbG8=: params.x: is a YAML !!binary value; scenarios hold text, numbers, true/false, lists and maps',
    ]);
  });
});

describe('input sized to exhaust the parser', () => {
  it('refuses deep flow nesting at the bracket where it went too deep', () => {
    const deep = `${BASE}params: { x: ${'['.repeat(200_000)}${']'.repeat(200_000)} }\n`;
    expect(problems(deep)).toEqual(['f.yaml:4:76: is nested more than 64 levels deep here']);
  });

  it('refuses deep block nesting, of lists and of maps', () => {
    const dashes = `${BASE}params:\n  x:\n    ${'- '.repeat(100)}a\n`;
    expect(problems(dashes)).toEqual(['f.yaml:6:129: is nested more than 64 levels deep here']);
    let maps = `${BASE}params:\n`;
    for (let i = 0; i < 80; i++) maps += `${' '.repeat(i + 2)}k${i}:\n`;
    maps += `${' '.repeat(82)}v: 1\n`;
    expect(problems(maps)).toEqual(['f.yaml:68:66: is nested more than 64 levels deep here']);
  });

  it('accepts nesting up to the limit', () => {
    const ok = `${BASE}trust: { zones: [z], sources: [{ id: s, zone: z, content: { x: ${'['.repeat(58)}${']'.repeat(58)} } }] }\n`;
    expect(problems(ok)).toEqual([]);
  });

  it('refuses an alias bomb at its first alias', () => {
    let bomb = `${BASE}b0: &b0 [x, x, x, x, x, x, x, x, x, x]\n`;
    for (let k = 0; k < 6; k++)
      bomb += `b${k + 1}: &b${k + 1} [${Array(10).fill(`*b${k}`).join(', ')}]\n`;
    expect(problems(bomb)).toEqual([
      'f.yaml:5:10: its aliases expand too far (more than 100 times each); write the values out',
    ]);
  });

  it('refuses a file over the size limit, saying where the limit was reached', () => {
    const big = `${BASE}# ${'x'.repeat(4_000_000)}\n`;
    expect(problems(big)).toEqual([
      `f.yaml:4:${4_000_000 - BASE.length + 1}: is ${big.length} characters long; scenario files are limited to 4000000, reached here`,
    ]);
  });
});

describe('numbers the clock cannot honour', () => {
  it('bounds an exponential latency mean by the last tick', () => {
    expect(
      problems(`${BASE}network: { latency: { kind: exponential, ticksMean: 1e300 } }\n`),
    ).toEqual([
      'f.yaml:4:53: network.latency.ticksMean: must be at most 2147483647, got the number 1e+300',
    ]);
  });

  it('bounds a clock skew between a thousand times slow and fast', () => {
    expect(
      problems(`${BASE}faults: [{ kind: skew, agent: a, rate: 1e-300, tickStart: 0 }]\n`),
    ).toEqual(['f.yaml:4:40: faults.0.rate: must be at least 0.001, got the number 1e-300']);
  });
});
