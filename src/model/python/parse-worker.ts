// A parse worker (parse-pool.ts): tree-sitter parses the Python texts it is sent and answers with each light
// tree encoded as one Uint32Array (tree-codec.ts), whose buffer is transferred, not copied. Facts are still
// extracted on the main thread, from the decoded tree, so the model is the same as a single-threaded read.
import { parentPort } from 'node:worker_threads';
import { ensurePythonParser, parsePythonSync } from './parser.js';
import { encodeTree } from './tree-codec.js';
import type { ParseReply, ParseRequest } from './parse-pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread (see parse-pool.ts)');

await ensurePythonParser();
port.on('message', (req: ParseRequest) => {
  const replies: ParseReply['trees'] = [];
  const transfer: ArrayBuffer[] = [];
  for (const { index, text } of req.files) {
    try {
      const tree = parsePythonSync(text);
      try {
        const enc = encodeTree(text, tree);
        replies.push({ index, enc });
        transfer.push(enc.nodes.buffer as ArrayBuffer);
      } finally {
        tree.delete();
      }
    } catch (err) {
      // the main thread parses this file itself and reports what goes wrong there
      replies.push({ index, error: (err as Error).message });
    }
  }
  port.postMessage({ batch: req.batch, trees: replies } satisfies ParseReply, transfer);
});
port.postMessage({ ready: true });
