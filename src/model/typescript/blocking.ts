// Synchronous work inside a BullMQ processor: while it runs, the worker's event loop cannot renew the
// job lock or answer Redis, so long blocks make jobs stall (docs/gitbook/guide/jobs/stalled.md).
// Calls into same-project helpers are followed (same file or relative imports), a few levels deep.
import { Node } from 'ts-morph';
import type { BlockingCall } from './types.js';
import type { FileCtx } from './extract.js';
import { locOf } from './extract.js';

export type FunctionResolver = (ctx: FileCtx, name: string) => { ctx: FileCtx; fn: Node } | null;

/** node: APIs that block the event loop until the work is done, by module. */
const BLOCKING: Record<string, Set<string>> = {
  fs: new Set(['readFileSync', 'writeFileSync', 'appendFileSync', 'copyFileSync', 'readdirSync', 'rmSync', 'cpSync']),
  zlib: new Set(['gzipSync', 'gunzipSync', 'deflateSync', 'inflateSync', 'deflateRawSync', 'inflateRawSync', 'unzipSync', 'brotliCompressSync', 'brotliDecompressSync']),
  crypto: new Set(['pbkdf2Sync', 'scryptSync', 'generateKeyPairSync', 'generatePrimeSync']),
  child_process: new Set(['execSync', 'execFileSync', 'spawnSync']),
};
const MAX_DEPTH = 4;

function moduleOf(pkg: string): string | null {
  const m = /^(?:node:)?(fs|fs\/promises|zlib|crypto|child_process)$/.exec(pkg);
  return m ? m[1]! : null;
}

export function findBlockingCalls(ctx: FileCtx, processor: Node, resolve: FunctionResolver): BlockingCall[] {
  const out: BlockingCall[] = [];
  const seen = new Set<Node>();
  const visit = (c: FileCtx, fn: Node, via: string[]): void => {
    if (seen.has(fn) || via.length > MAX_DEPTH) return;
    seen.add(fn);
    for (const node of fn.getDescendants()) {
      if (Node.isCallExpression(node)) {
        const callee = node.getExpression();
        const blocking = blockingCallee(c, callee);
        if (blocking) {
          out.push({ callee: blocking, loc: locOf(c, node), via });
          continue;
        }
        if (Node.isIdentifier(callee)) {
          const target = resolve(c, callee.getText());
          if (target) visit(target.ctx, target.fn, [...via, callee.getText()]);
        }
      } else if (Node.isWhileStatement(node) || Node.isDoStatement(node) || Node.isForStatement(node)) {
        // busy wait: spinning on the clock keeps the loop from doing anything else
        const cond = Node.isForStatement(node) ? node.getCondition() : node.getExpression();
        if (cond && /\b(?:Date\.now|performance\.now)\s*\(\)|new Date\(\)\.getTime\(\)/.test(cond.getText())) {
          out.push({ callee: 'busy-wait loop', loc: locOf(c, node), via });
        }
      }
    }
  };
  let start: Node | null = processor;
  const name = Node.isIdentifier(processor) ? processor.getText() : null;
  if (name) start = resolve(ctx, name)?.fn ?? null;
  if (start && (Node.isArrowFunction(start) || Node.isFunctionExpression(start) || Node.isFunctionDeclaration(start) || Node.isMethodDeclaration(start))) {
    visit(name ? (resolve(ctx, name)?.ctx ?? ctx) : ctx, start, name ? [name] : []);
  }
  return out;
}

/** 'fs.readFileSync' when the callee is one of the blocking node APIs (imported by name or through the module). */
function blockingCallee(ctx: FileCtx, callee: Node): string | null {
  if (Node.isPropertyAccessExpression(callee)) {
    const name = callee.getName();
    const base = callee.getExpression();
    if (base.getText() === 'Atomics' && name === 'wait') return 'Atomics.wait';
    if (Node.isIdentifier(base)) {
      const b = ctx.bindings.get(base.getText());
      const mod = b && (b.exported === '*' || b.exported === 'default') ? moduleOf(b.pkg) : null;
      if (mod && BLOCKING[mod]?.has(name)) return `${mod}.${name}`;
    }
    return null;
  }
  if (Node.isIdentifier(callee)) {
    const b = ctx.bindings.get(callee.getText());
    const mod = b ? moduleOf(b.pkg) : null;
    if (mod && b && BLOCKING[mod]?.has(b.exported)) return `${mod}.${b.exported}`;
  }
  return null;
}
