/**
 * A probe of the JavaScript client library for test/nodes/drive.test.ts (probe.py is its twin).
 *
 * echo -> echo_ok. do {ops: [[method, ...args], ...]} calls node[method](...args) for each op
 * (["on_timer", name] registers a timer handler that notes {fired: name}), then answers do_ok,
 * or do_error with the error's message. content and act.result bodies are noted.
 */
import { Node } from '../../clients/js/parley-node.mjs';

const node = new Node();

node.on('echo', (msg) => node.reply(msg, { type: 'echo_ok', echo: msg.body.echo }));

node.on('do', (msg) => {
  try {
    for (const [method, ...args] of msg.body.ops) {
      if (method === 'on_timer') node.onTimer(args[0], (name) => node.note({ fired: name }));
      else if (method === 'random') node.note({ random: node.random() });
      else node[method](...args);
    }
  } catch (err) {
    node.reply(msg, { type: 'do_error', text: err.message });
    return;
  }
  node.reply(msg, { type: 'do_ok' });
});

node.on('content', (msg) => node.note({ got: msg.body }));
node.on('act.result', (msg) => node.note({ got: msg.body }));

// A handler that awaits: the next line waits for it, so sync_ok still comes last.
node.on('slow_echo', async (msg) => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  node.reply(msg, { type: 'slow_echo_ok', echo: msg.body.echo });
});

node.run();
