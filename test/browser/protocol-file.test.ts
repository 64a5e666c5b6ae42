import { describe, expect, it } from 'vitest';
import { FileLoadError, loadDroppedFile } from '../../viz/files.ts';

describe('a scenario whose protocol is a file, dropped on the page', () => {
  it('says in one sentence that the command line runs it', async () => {
    const text = 'name: ask-confirm\nprotocol: ./ask-confirm.ts\nagents:\n  count: 3\n';
    const error = await loadDroppedFile(new File([text], 'ask-confirm.yaml')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FileLoadError);
    expect((error as Error).message).toBe(
      "ask-confirm.yaml:2:11: this scenario's protocol is a file, ./ask-confirm.ts: run it with npx parley run ask-confirm.yaml; the page runs the catalogue's protocols",
    );
  });
});
