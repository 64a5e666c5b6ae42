/**
 * Shared by the model-agent tests (issue 17): the scripted chat-completions
 * server (test/fixtures/model-server.mjs) as a child process, a folder with
 * a tiny protocol of the tests' own that asks the model and decides the
 * reply's `choice`, scenario files pointing at the server, and the command
 * line.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PARLEY_BIN } from '../fixtures/cli.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const SERVER = join(ROOT, 'test', 'fixtures', 'model-server.mjs');

export interface Step {
  readonly content?: string;
  readonly finish_reason?: string;
  readonly usage?: { prompt_tokens: number; completion_tokens: number };
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly raw?: string;
  readonly truncate?: string;
  readonly stall?: boolean;
}
export interface Script {
  readonly steps?: readonly Step[];
  readonly default?: Step;
}
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export const ATTACK: Step = { content: '{"choice":"attack"}' };

export interface ModelServer {
  readonly port: number;
  readonly proc: ChildProcess;
  requests(): Promise<Seen[]>;
  script(script: Script): Promise<void>;
  stop(): void;
}

const started: ModelServer[] = [];

/** Starts the server with `script`; `stopServers` (afterEach) ends it by its pid. */
export async function startServer(script: Script, dir: string): Promise<ModelServer> {
  const file = join(dir, `script-${started.length}.json`);
  writeFileSync(file, JSON.stringify(script));
  const proc = spawn(process.execPath, [SERVER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok, fail) => {
    let text = '';
    proc.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /listening (\d+)\n/.exec(text);
      if (m !== null) ok(Number(m[1]));
    });
    proc.on('exit', (code) => fail(new Error(`the model server exited (${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const server: ModelServer = {
    port,
    proc,
    requests: async () => (await fetch(`${base}/requests`)).json() as Promise<Seen[]>,
    script: async (s) => {
      await fetch(`${base}/script`, { method: 'POST', body: JSON.stringify(s) });
    },
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined)
        process.kill(proc.pid, 'SIGKILL');
    },
  };
  started.push(server);
  return server;
}

export function stopServers(): void {
  for (const s of started.splice(0)) s.stop();
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

export const SCHEMA = {
  type: 'object',
  properties: { choice: { type: 'string', enum: ['attack', 'retreat'] } },
  required: ['choice'],
  additionalProperties: false,
};

/**
 * The tests' protocol: on start each agent asks the model (a system line and
 * a user line naming it) for {choice}, and decides the reply's choice; on
 * model.error it stops undecided. With `loop`, a reply makes it ask again.
 */
export const protocolText = (loop: boolean) => `
import { ask, decide, type Protocol } from 'parley';
import { emit, setup } from 'xstate';
const schema = ${JSON.stringify(SCHEMA)};
const machine = setup({}).createMachine({
  context: ({ input }: { input: { id: string } }) => ({ id: input.id }),
  initial: 'asking',
  states: {
    asking: {
      entry: emit(({ context }) =>
        ask({
          messages: [
            { role: 'system', content: 'You are a general. Answer in JSON.' },
            { role: 'user', content: \`I am \${context.id}. Attack or retreat?\` },
          ],
          schema,
        }),
      ),
      on: {
        'model.reply': ${
          loop
            ? `{ target: 'asking', reenter: true }`
            : `{
          target: 'done',
          actions: emit(({ event }) => decide(JSON.parse((event as unknown as { content: string }).content).choice)),
        }`
        },
        'model.error': { target: 'failed' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});
export const protocol: Protocol = { name: '${loop ? 'ask-loop' : 'ask-once'}', machine };
`;

/** A fresh folder holding the two protocol files; removed by its cleanup. */
export function folder(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-models-'));
  writeFileSync(join(dir, 'ask.ts'), protocolText(false));
  writeFileSync(join(dir, 'loop.ts'), protocolText(true));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ScenarioOptions {
  readonly agents?: number;
  readonly loop?: boolean;
  /** Each agent's budget. */
  readonly budget?: number;
  /** Lines of the model section beyond the endpoint. */
  readonly model?: Record<string, unknown>;
  /** More YAML at the top level. */
  readonly extra?: string;
}

/** Writes `name` (a scenario asking the model at `port`) in `dir` and returns its path. */
export function scenario(dir: string, name: string, port: number, o: ScenarioOptions = {}): string {
  const model = {
    endpoint: `http://127.0.0.1:${port}/v1`,
    model: 'test-model',
    temperature: 0.5,
    maxTokens: 64,
    timeoutMs: 2000,
    retries: 2,
    ...o.model,
  };
  const text = [
    `name: ${name}`,
    `protocol: ${o.loop === true ? './loop.ts' : './ask.ts'}`,
    'agents:',
    `  count: ${o.agents ?? 2}`,
    ...(o.budget === undefined ? [] : [`  budget: ${o.budget}`]),
    `model: ${JSON.stringify(model)}`,
    'limits: { ticksMax: 200 }',
    ...(o.extra === undefined ? [] : [o.extra]),
  ].join('\n');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${text}\n`);
  return file;
}

export interface Cli {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** `parley ARGS` in `cwd`, with `env` added to the environment. */
export function parley(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Cli {
  const r = spawnSync(process.execPath, [PARLEY_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export interface ModelRecordLine {
  readonly seq: number;
  readonly tick: number;
  readonly agent: string;
  readonly data: {
    hash: string;
    reply: {
      content?: string;
      usage?: { prompt: number; completion: number };
      error?: { reason: string; detail: string };
      attempts?: number;
    };
  };
}

/** The records of trace `file`, parsed (manifest and end line left out). */
export function records(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"seq"'))
    .map((l) => JSON.parse(l));
}

export function modelRecords(file: string): ModelRecordLine[] {
  return records(file).filter((r) => r['kind'] === 'model') as unknown as ModelRecordLine[];
}

export function decisions(file: string): Record<string, unknown> {
  return Object.fromEntries(
    records(file)
      .filter((r) => r['kind'] === 'decide')
      .map((r) => [r['agent'], r['data']]),
  );
}
