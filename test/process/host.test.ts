/**
 * NodeProcessHost's calls to its worker thread, many times over: the engine's
 * thread takes an answer as soon as the flag is set, which can be before the
 * worker's notify; that late notify then woke the next call's Atomics.wait
 * with no answer yet, and the call failed at once ("did not answer ... (ok)",
 * about once in a million calls on a loaded machine). A wake without an answer
 * is now waited again. This test makes many calls on two hosts and expects
 * every one answered; it cannot force the interleaving, so it catches a
 * regression only sometimes, never fails without one.
 */
import { describe, expect, it } from 'vitest';
import { NodeProcessHost } from '../../cli/process-host.ts';

const CALLS = 100_000;

describe('NodeProcessHost', () => {
  it(`answers ${CALLS.toLocaleString('en')} calls in a row on two hosts`, () => {
    const hosts = [new NodeProcessHost(), new NodeProcessHost()];
    try {
      let answered = 0;
      for (let i = 0; i < CALLS; i++) {
        expect((hosts[i & 1] as NodeProcessHost).stderrOf('nobody')).toBe('');
        answered++;
      }
      expect(answered).toBe(CALLS);
    } finally {
      for (const h of hosts) h.close();
    }
  }, 120_000);
});
