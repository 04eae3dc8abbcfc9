// ts-morph pass over the pre-filtered files: one in-memory Project, no tsconfig, no dependency resolution,
// no type checking (syntax only), so a large Node repo costs a parse of the few files that matter.
import { Node, Project, SyntaxKind, type CallExpression, type Expression, type NewExpression, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import type { Location, SourceFileInfo } from '../types.js';
import type { BullConnectionFact, BullWorkerDef, CeleryProducerCall, TsModel } from './types.js';
import { findBlockingCalls, type FunctionResolver } from './blocking.js';

/** What a local name is bound to by an import/require. */
interface Binding {
  pkg: string;
  /** 'default', '*' (namespace / whole require), or the exported name */
  exported: string;
}

export interface FileCtx {
  rel: string;
  sf: SourceFile;
  bindings: Map<string, Binding>;
}

interface CeleryClient {
  queue: string | null;
}

interface CeleryTaskVar {
  name: string | null;
  nameLoc: Location;
  clientQueue: string | null;
  queue: string | null;
}

export function extractTypeScript(candidates: SourceFileInfo[], all: SourceFileInfo[], out: TsModel): void {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true, noLib: true, noResolve: true },
  });
  const byRel = new Map(all.map((f) => [f.file, f]));
  const ctxCache = new Map<string, FileCtx>();
  const fileCtx = (rel: string): FileCtx | null => {
    const hit = ctxCache.get(rel);
    if (hit) return hit;
    const info = byRel.get(rel);
    if (!info) return null;
    const sf = project.createSourceFile(`/${rel}`, info.text, { overwrite: true });
    const ctx: FileCtx = { rel, sf, bindings: readBindings(sf) };
    ctxCache.set(rel, ctx);
    return ctx;
  };
  const resolver = makeResolver(fileCtx, byRel);
  const consts = makeConstResolver(fileCtx, byRel);
  const usesCeleryNode = candidates.some((f) => /['"]celery-node['"]/.test(f.text));

  for (const info of candidates) {
    const ctx = fileCtx(info.file);
    if (!ctx) continue;
    out.parsedFiles.push(info.file);
    readCeleryNode(ctx, out, usesCeleryNode, consts);
    readRawProtocol(ctx, out);
    readBullmq(ctx, out, resolver, consts);
  }
}

// ---------------------------------------------------------------------------------------------- bindings

function readBindings(sf: SourceFile): Map<string, Binding> {
  const b = new Map<string, Binding>();
  for (const imp of sf.getImportDeclarations()) {
    const pkg = imp.getModuleSpecifierValue();
    const def = imp.getDefaultImport();
    if (def) b.set(def.getText(), { pkg, exported: 'default' });
    const ns = imp.getNamespaceImport();
    if (ns) b.set(ns.getText(), { pkg, exported: '*' });
    for (const n of imp.getNamedImports()) b.set((n.getAliasNode() ?? n.getNameNode()).getText(), { pkg, exported: n.getName() });
  }
  // CommonJS: const x = require('p'); const { A, B: C } = require('p'); const A = require('p').A
  for (const decl of sf.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const init = decl.getInitializer();
    if (!init) continue;
    let call: Node | undefined = init;
    let member: string | null = null;
    if (Node.isPropertyAccessExpression(init)) {
      member = init.getName();
      call = init.getExpression();
    }
    if (!call || !Node.isCallExpression(call) || call.getExpression().getText() !== 'require') continue;
    const arg = call.getArguments()[0];
    if (!arg || !Node.isStringLiteral(arg)) continue;
    const pkg = arg.getLiteralValue();
    const nameNode = decl.getNameNode();
    if (Node.isIdentifier(nameNode)) b.set(nameNode.getText(), { pkg, exported: member ?? '*' });
    else if (Node.isObjectBindingPattern(nameNode)) {
      for (const el of nameNode.getElements()) {
        const prop = el.getPropertyNameNode()?.getText() ?? el.getName();
        b.set(el.getName(), { pkg, exported: prop });
      }
    }
  }
  return b;
}

/** The package export an expression names: `Worker` (named import), `bull.Worker` (namespace), `celery.createClient`. */
function exportOf(ctx: FileCtx, expr: Node): Binding | null {
  if (Node.isIdentifier(expr)) return ctx.bindings.get(expr.getText()) ?? null;
  if (Node.isPropertyAccessExpression(expr)) {
    const base = expr.getExpression();
    if (Node.isIdentifier(base)) {
      const b = ctx.bindings.get(base.getText());
      if (b && (b.exported === '*' || b.exported === 'default')) return { pkg: b.pkg, exported: expr.getName() };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------- helpers

export function locOf(ctx: FileCtx, node: Node): Location {
  const start = ctx.sf.getLineAndColumnAtPos(node.getStart());
  const end = ctx.sf.getLineAndColumnAtPos(node.getEnd());
  return { file: ctx.rel, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** A string literal, a no-substitution template, or a const in this file bound to one. */
function stringValue(ctx: FileCtx, node: Node | undefined): string | null {
  if (!node) return null;
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isIdentifier(node)) {
    const init = constInitializer(ctx, node.getText());
    if (init && (Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init))) return init.getLiteralValue();
  }
  if (Node.isAsExpression(node) || Node.isParenthesizedExpression(node)) return stringValue(ctx, node.getExpression());
  return null;
}

/** Initializer of a `const name = ...` declared at any level of this file (first one wins). */
function constInitializer(ctx: FileCtx, name: string): Expression | undefined {
  for (const d of ctx.sf.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    if (d.getName() === name) return d.getInitializer();
  }
  return undefined;
}

function objectLiteral(ctx: FileCtx, node: Node | undefined): ObjectLiteralExpression | null {
  if (!node) return null;
  if (Node.isObjectLiteralExpression(node)) return node;
  if (Node.isAsExpression(node) || Node.isParenthesizedExpression(node) || Node.isSatisfiesExpression(node)) return objectLiteral(ctx, node.getExpression());
  if (Node.isIdentifier(node)) {
    const init = constInitializer(ctx, node.getText());
    return init && init !== node ? objectLiteral(ctx, init) : null;
  }
  return null;
}

/** Property names of an object literal; null when a spread makes the set unknown. */
function objectKeys(obj: ObjectLiteralExpression): string[] | null {
  const keys: string[] = [];
  for (const p of obj.getProperties()) {
    if (Node.isSpreadAssignment(p)) return null;
    if (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p) || Node.isMethodDeclaration(p)) keys.push(p.getName().replace(/^['"]|['"]$/g, ''));
  }
  return keys;
}

function property(obj: ObjectLiteralExpression, name: string): Node | null {
  for (const p of obj.getProperties()) {
    if (Node.isPropertyAssignment(p) && p.getName().replace(/^['"]|['"]$/g, '') === name) return p.getInitializerOrThrow();
    if (Node.isShorthandPropertyAssignment(p) && p.getName() === name) return p.getNameNode();
  }
  return null;
}

/** The variable a `new X()` / call result is assigned to: `const w = new Worker()` or `this.w = new Worker()`. */
function assignedVariable(node: Node): string | null {
  let cur: Node = node;
  let parent = cur.getParent();
  while (parent && (Node.isAwaitExpression(parent) || Node.isParenthesizedExpression(parent) || Node.isAsExpression(parent))) {
    cur = parent;
    parent = cur.getParent();
  }
  if (!parent) return null;
  if (Node.isVariableDeclaration(parent) && Node.isIdentifier(parent.getNameNode())) return parent.getName();
  if (Node.isBinaryExpression(parent) && parent.getOperatorToken().getKind() === SyntaxKind.EqualsToken) return parent.getLeft().getText();
  if (Node.isPropertyDeclaration(parent)) return `this.${parent.getName()}`;
  return null;
}

/** Positional count of an array literal without spreads; null when unknown. */
function arrayLength(ctx: FileCtx, node: Node | undefined): number | null {
  if (!node) return 0;
  let n: Node = node;
  if (Node.isIdentifier(n)) {
    const init = constInitializer(ctx, n.getText());
    if (!init) return null;
    n = init;
  }
  if (!Node.isArrayLiteralExpression(n)) return null;
  if (n.getElements().some((e) => Node.isSpreadElement(e))) return null;
  return n.getElements().length;
}

function kwargNames(ctx: FileCtx, node: Node | undefined): string[] | null {
  if (!node) return [];
  if (Node.isNullLiteral(node) || (Node.isIdentifier(node) && node.getText() === 'undefined')) return [];
  const obj = objectLiteral(ctx, node);
  return obj ? objectKeys(obj) : null;
}

// ---------------------------------------------------------------------------------------------- celery-node

function readCeleryNode(ctx: FileCtx, out: TsModel, projectUsesCeleryNode: boolean, consts: ConstResolver): void {
  const clients = new Map<string, CeleryClient>();
  const tasks = new Map<string, CeleryTaskVar>();
  const results = new Set<string>();
  const calls = ctx.sf.getDescendantsOfKind(SyntaxKind.CallExpression);

  for (const call of calls) {
    const callee = call.getExpression();
    const b = exportOf(ctx, callee);
    if (b?.pkg === 'celery-node' && b.exported === 'createClient') {
      const q = call.getArguments()[2];
      const queue = q === undefined ? 'celery' : stringValue(ctx, q);
      const v = assignedVariable(call);
      if (v) clients.set(v, { queue });
    }
  }
  const isClient = (n: Node): CeleryClient | null => {
    const known = clients.get(n.getText());
    if (known) return known;
    // a client created in another module of the project: read its createClient(...) there
    if (Node.isIdentifier(n)) {
      const found = consts(ctx, n.getText());
      if (found && Node.isCallExpression(found.init)) {
        const b = exportOf(found.ctx, found.init.getExpression());
        if (b?.pkg === 'celery-node' && b.exported === 'createClient') {
          const q = found.init.getArguments()[2];
          return { queue: q === undefined ? 'celery' : stringValue(found.ctx, q) };
        }
      }
    }
    // a client imported from another module: accept it when the project uses celery-node at all
    return projectUsesCeleryNode ? { queue: null } : null;
  };

  for (const call of calls) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const recv = callee.getExpression();
    if (method === 'createTask') {
      const client = isClient(recv);
      if (!client) continue;
      const nameArg = call.getArguments()[0];
      const info: CeleryTaskVar = { name: stringValue(ctx, nameArg), nameLoc: locOf(ctx, nameArg ?? call), clientQueue: client.queue, queue: null };
      const v = assignedVariable(call);
      if (v) tasks.set(v, info);
    }
  }

  for (const call of calls) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const recv = callee.getExpression();
    const args = call.getArguments();
    let producer: CeleryProducerCall | null = null;
    if (method === 'applyAsync' || method === 'delay') {
      let task: CeleryTaskVar | undefined = tasks.get(recv.getText());
      if (!task && Node.isCallExpression(recv)) {
        const inner = recv.getExpression();
        if (Node.isPropertyAccessExpression(inner) && inner.getName() === 'createTask') {
          const client = isClient(inner.getExpression());
          const nameArg = recv.getArguments()[0];
          if (client) task = { name: stringValue(ctx, nameArg), nameLoc: locOf(ctx, nameArg ?? recv), clientQueue: client.queue, queue: null };
        }
      }
      if (!task) continue;
      const opts = method === 'applyAsync' ? objectLiteral(ctx, args[2]) : null;
      producer = {
        kind: 'celery-node-createTask', taskName: task.name, loc: locOf(ctx, call), nameLoc: task.nameLoc,
        positionalCount: method === 'delay' ? (args.some((a) => Node.isSpreadElement(a)) ? null : args.length) : arrayLength(ctx, args[0]),
        kwargNames: method === 'delay' ? [] : kwargNames(ctx, args[1]),
        queue: task.queue, clientQueue: task.clientQueue, ignoredRoutingKey: opts ? routingKeyOf(ctx, opts) : null,
      };
    } else if (method === 'sendTask') {
      const client = isClient(recv);
      if (!client) continue;
      const opts = objectLiteral(ctx, args[4]);
      producer = {
        kind: 'celery-node-sendTask', taskName: stringValue(ctx, args[0]), loc: locOf(ctx, call), nameLoc: locOf(ctx, args[0] ?? call),
        positionalCount: arrayLength(ctx, args[1]), kwargNames: kwargNames(ctx, args[2]),
        queue: null, clientQueue: client.queue, ignoredRoutingKey: opts ? routingKeyOf(ctx, opts) : null,
      };
    }
    if (producer) {
      out.celeryProducers.push(producer);
      const v = assignedVariable(call);
      if (v) results.add(v);
    }
  }

  // result.get() on what applyAsync/sendTask/asyncResult returned; without a timeout celery-node polls forever
  for (const call of calls) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'get') continue;
    const recv = callee.getExpression();
    const direct = Node.isCallExpression(recv) && Node.isPropertyAccessExpression(recv.getExpression()) && ['applyAsync', 'delay', 'sendTask', 'asyncResult'].includes((recv.getExpression() as import('ts-morph').PropertyAccessExpression).getName());
    let fromResultVar = results.has(recv.getText());
    if (!fromResultVar) {
      // const r = client.asyncResult(id)
      const init = Node.isIdentifier(recv) ? constInitializer(ctx, recv.getText()) : undefined;
      fromResultVar = !!init && Node.isCallExpression(init) && /\.asyncResult$/.test(init.getExpression().getText());
    }
    if (!direct && !fromResultVar) continue;
    const t = call.getArguments()[0];
    out.celeryResultWaits.push({ loc: locOf(ctx, call), timeoutText: t ? t.getText() : null });
  }
}

/**
 * A `routingKey` the caller passed. celery-node 0.5.9 ignores it: `Task.applyAsync(args, kwargs)` and
 * `Client.sendTask(name, args, kwargs, taskId)` take no options, and `sendTaskMessage` publishes to
 * `this.conf.CELERY_QUEUE` (npm celery-node@0.5.9 dist/app/client.js); `options.routingKey` exists only in an unmerged
 * pull request (actumn/celery.node#100).
 */
function routingKeyOf(ctx: FileCtx, opts: ObjectLiteralExpression): string | null {
  return stringValue(ctx, property(opts, 'routingKey') ?? undefined);
}

// ---------------------------------------------------------------------------------------------- raw protocol

/**
 * A hand-built protocol-v2 message: an object with `headers: { task: '...' }`. Pushed with `lpush`/`rpush`
 * (Redis transport: the list named like the queue) or published with amqplib (`headers` in the options).
 */
function readRawProtocol(ctx: FileCtx, out: TsModel): void {
  for (const call of ctx.sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const args = call.getArguments();
    if (method === 'lpush' || method === 'rpush') {
      const queue = stringValue(ctx, args[0]);
      const envelope = envelopeOf(ctx, args[1]);
      if (!envelope) continue;
      pushRaw(ctx, out, call, 'raw-redis-lpush', envelope, queue);
    } else if (method === 'sendToQueue' || method === 'publish') {
      // amqplib: sendToQueue(queue, content, options) / publish(exchange, routingKey, content, options)
      const optsArg = method === 'sendToQueue' ? args[2] : args[3];
      const opts = objectLiteral(ctx, optsArg);
      if (!opts || !headersTask(ctx, opts)) continue;
      const queue = method === 'sendToQueue' ? stringValue(ctx, args[0]) : stringValue(ctx, args[0]) === '' ? stringValue(ctx, args[1]) : null;
      const body = method === 'sendToQueue' ? args[1] : args[2];
      pushRaw(ctx, out, call, 'raw-amqp-publish', { envelope: opts, body: body ?? null }, queue);
    }
  }
}

interface Envelope {
  envelope: ObjectLiteralExpression;
  body: Node | null;
}

function envelopeOf(ctx: FileCtx, arg: Node | undefined): Envelope | null {
  if (!arg) return null;
  let n: Node = arg;
  // JSON.stringify(envelope)
  if (Node.isCallExpression(n) && n.getExpression().getText() === 'JSON.stringify') n = n.getArguments()[0] ?? n;
  const obj = objectLiteral(ctx, n);
  if (!obj || !headersTask(ctx, obj)) return null;
  return { envelope: obj, body: property(obj, 'body') };
}

function headersTask(ctx: FileCtx, obj: ObjectLiteralExpression): Node | null {
  const headers = objectLiteral(ctx, property(obj, 'headers') ?? undefined);
  return headers ? property(headers, 'task') : null;
}

function pushRaw(ctx: FileCtx, out: TsModel, call: CallExpression, kind: 'raw-redis-lpush' | 'raw-amqp-publish', env: Envelope, queue: string | null): void {
  const taskNode = headersTask(ctx, env.envelope)!;
  // body: base64 of JSON.stringify([args, kwargs, embed]) — find that array literal inside the body expression
  let positional: number | null = null;
  let kwargs: string[] | null = null;
  const bodyArray = env.body ? findBodyArray(ctx, env.body) : null;
  if (bodyArray) {
    const [a, k] = bodyArray.getElements();
    positional = arrayLength(ctx, a);
    kwargs = kwargNames(ctx, k);
  }
  out.celeryProducers.push({
    kind, taskName: stringValue(ctx, taskNode), loc: locOf(ctx, call), nameLoc: locOf(ctx, taskNode),
    positionalCount: positional, kwargNames: kwargs, queue, clientQueue: null,
  });
}

function findBodyArray(ctx: FileCtx, body: Node): import('ts-morph').ArrayLiteralExpression | null {
  let n: Node = body;
  if (Node.isIdentifier(n)) n = constInitializer(ctx, n.getText()) ?? n;
  for (const s of [n, ...n.getDescendants()]) {
    if (Node.isIdentifier(s) && s !== n) {
      const init = constInitializer(ctx, s.getText());
      if (init && Node.isArrayLiteralExpression(init) && init.getElements().length === 3) return init;
    }
    if (Node.isArrayLiteralExpression(s) && s.getElements().length === 3) return s;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------- BullMQ

const REMOVED_QUEUE_METHODS = new Set(['getRepeatableJobs', 'removeRepeatable', 'removeRepeatableByKey']);

function readBullmq(ctx: FileCtx, out: TsModel, resolver: FunctionResolver, consts: ConstResolver): void {
  const bullClass = (expr: Node): string | null => {
    const b = exportOf(ctx, expr);
    return b && (b.pkg === 'bullmq' || b.pkg === 'bullmq-pro' || b.pkg === '@taskforcesh/bullmq-pro') ? b.exported : null;
  };
  // QueueScheduler: removed in 2.0.0 — the import itself is the finding
  for (const [local, b] of ctx.bindings) {
    if (b.pkg === 'bullmq' && b.exported === 'QueueScheduler') {
      const id = ctx.sf.getDescendantsOfKind(SyntaxKind.Identifier).find((i) => i.getText() === local);
      if (id) out.bullRemovedApis.push({ api: 'QueueScheduler', loc: locOf(ctx, id) });
    }
  }
  const queueVars = new Map<string, string | null>();
  const workers: BullWorkerDef[] = [];
  for (const ne of ctx.sf.getDescendantsOfKind(SyntaxKind.NewExpression)) {
    const cls = bullClass(ne.getExpression());
    if (!cls) continue;
    const args = ne.getArguments();
    const name = stringValue(ctx, args[0]);
    const variable = assignedVariable(ne);
    if (cls === 'QueueScheduler') {
      const b = exportOf(ctx, ne.getExpression());
      if (b && !ctx.bindings.has(ne.getExpression().getText())) out.bullRemovedApis.push({ api: 'QueueScheduler', loc: locOf(ctx, ne) });
    } else if (cls === 'Queue') {
      const opts = objectLiteral(ctx, args[1]);
      const djo = opts ? objectLiteral(ctx, property(opts, 'defaultJobOptions') ?? undefined) : null;
      out.bullQueues.push({ name, variable, loc: locOf(ctx, ne), defaultJobOptionKeys: djo ? (objectKeys(djo) ?? ['removeOnComplete', 'removeOnFail']) : [] });
      if (variable) queueVars.set(variable, name);
    } else if (cls === 'Worker' || cls === 'QueueEvents') {
      const optsArg = cls === 'Worker' ? args[2] : args[1];
      const opts = objectLiteral(ctx, optsArg);
      const processor = cls === 'Worker' ? args[1] : undefined;
      const sandboxed = !!processor && isProcessorPath(ctx, processor);
      const w: BullWorkerDef = {
        className: cls, name, variable, loc: locOf(ctx, ne), optionKeys: opts ? (objectKeys(opts) ?? []) : [],
        connection: opts ? connectionFact(ctx, property(opts, 'connection'), consts) : null,
        listenedEvents: [], sandboxed, blockingCalls: [],
      };
      if (processor && !sandboxed) w.blockingCalls = findBlockingCalls(ctx, processor, resolver);
      workers.push(w);
    }
  }
  // listeners: w.on('error', ...), w.once('failed', ...)
  for (const call of ctx.sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const recv = callee.getExpression().getText();
    if (method === 'on' || method === 'once' || method === 'addListener') {
      const ev = stringValue(ctx, call.getArguments()[0]);
      if (!ev) continue;
      for (const w of workers) if (w.variable && w.variable === recv) w.listenedEvents.push(ev);
      continue;
    }
    if (!queueVars.has(recv)) continue;
    if (method === 'add' || method === 'addBulk') {
      const args = call.getArguments();
      let optionKeys: string[] | null;
      if (method === 'add') {
        const opts = args[2] === undefined ? null : objectLiteral(ctx, args[2]);
        optionKeys = args[2] === undefined ? [] : opts ? objectKeys(opts) : null;
        if (opts && property(opts, 'repeat')) out.bullRemovedApis.push({ api: 'repeat', loc: locOf(ctx, call) });
        if (opts && property(opts, 'debounce')) out.bullRemovedApis.push({ api: 'debounce', loc: locOf(ctx, call) });
      } else {
        optionKeys = bulkOptionKeys(ctx, args[0]);
      }
      out.bullJobAdds.push({ queueVariable: recv, queueName: queueVars.get(recv) ?? null, method, loc: locOf(ctx, call), optionKeys });
    } else if (REMOVED_QUEUE_METHODS.has(method)) {
      out.bullRemovedApis.push({ api: method, loc: locOf(ctx, call) });
    }
  }
  out.bullWorkers.push(...workers);
}

/** Keys every job of an addBulk literal sets in `opts`; null when the list is not a literal. */
function bulkOptionKeys(ctx: FileCtx, arg: Node | undefined): string[] | null {
  if (!arg || !Node.isArrayLiteralExpression(arg)) return null;
  let common: string[] | null = null;
  for (const el of arg.getElements()) {
    const obj = objectLiteral(ctx, el);
    if (!obj) return null;
    const optsNode = property(obj, 'opts');
    const opts = optsNode ? objectLiteral(ctx, optsNode) : null;
    if (optsNode && !opts) return null;
    const keys = opts ? objectKeys(opts) : [];
    if (keys === null) return null;
    common = common === null ? keys : common.filter((k) => keys.includes(k));
  }
  return common ?? [];
}

/** A sandboxed processor is given as a file path/URL instead of a function. */
function isProcessorPath(ctx: FileCtx, node: Node): boolean {
  if (stringValue(ctx, node) !== null) return true;
  if (Node.isTemplateExpression(node)) return true;
  if (Node.isNewExpression(node) && node.getExpression().getText() === 'URL') return true;
  if (Node.isCallExpression(node) && /(?:^|\.)(?:join|resolve|pathToFileURL)$/.test(node.getExpression().getText())) return true;
  return false;
}

function connectionFact(ctx: FileCtx, node: Node | null, consts: ConstResolver): BullConnectionFact | null {
  if (!node) return null;
  const inline = objectLiteral(ctx, node);
  if (inline) return { kind: 'inline', maxRetriesPerRequest: maxRetriesText(inline) };
  // `connection` bound to `new IORedis(...)` here or in a module of the project it is imported from
  let at = ctx;
  let n: Node | undefined = node;
  if (Node.isIdentifier(n)) {
    const found = consts(ctx, n.getText());
    at = found?.ctx ?? ctx;
    n = found?.init;
  }
  if (n && Node.isNewExpression(n) && isIoredisCtor(at, n)) {
    const opts = n.getArguments().map((a) => objectLiteral(at, a)).find((o): o is ObjectLiteralExpression => !!o);
    return { kind: 'ioredis-instance', maxRetriesPerRequest: opts ? maxRetriesText(opts) : null, instanceLoc: locOf(at, n) };
  }
  if (n) {
    const obj = objectLiteral(at, n);
    if (obj) return { kind: 'inline', maxRetriesPerRequest: maxRetriesText(obj) };
  }
  return { kind: 'unknown', maxRetriesPerRequest: null };
}

function isIoredisCtor(ctx: FileCtx, ne: NewExpression): boolean {
  const b = exportOf(ctx, ne.getExpression());
  return !!b && b.pkg === 'ioredis' && (b.exported === 'default' || b.exported === '*' || b.exported === 'Redis' || b.exported === 'Cluster');
}

function maxRetriesText(obj: ObjectLiteralExpression): string | null {
  const v = property(obj, 'maxRetriesPerRequest');
  return v ? v.getText() : null;
}

// ---------------------------------------------------------------------------------------------- helper resolution

/** Finds function bodies for calls to same-project helpers: same file, or a relative import. */
type ConstResolver = (ctx: FileCtx, name: string) => { ctx: FileCtx; init: Expression } | null;

/** Initializer of a const in this file, or of the export an import names in a module of the project. */
function makeConstResolver(fileCtx: (rel: string) => FileCtx | null, byRel: Map<string, SourceFileInfo>): ConstResolver {
  return (ctx, name) => {
    const local = ctx.sf.getVariableDeclaration(name)?.getInitializer() ?? constInitializer(ctx, name);
    if (local) return { ctx, init: local };
    const b = ctx.bindings.get(name);
    if (!b || b.exported === '*' || b.exported === 'default') return null;
    const target = resolveModule(byRel, ctx.rel, b.pkg);
    const other = target ? fileCtx(target) : null;
    const init = other?.sf.getVariableDeclaration(b.exported)?.getInitializer();
    return other && init ? { ctx: other, init } : null;
  };
}

/** A relative import specifier to a file of the project ('./jobs.js' may be jobs.ts on disk). */
function resolveModule(byRel: Map<string, SourceFileInfo>, from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
    const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
    const parts = [...(dir ? dir.split('/') : []), ...spec.split('/')];
    const stack: string[] = [];
    for (const p of parts) {
      if (p === '.' || p === '') continue;
      if (p === '..') stack.pop();
      else stack.push(p);
    }
    const base = stack.join('/');
    const stem = base.replace(/\.(?:js|mjs|cjs|jsx)$/, '');
    const tries = [base, ...['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'].map((e) => stem + e), ...['ts', 'js'].map((e) => `${base}/index.${e}`)];
    return tries.find((t) => byRel.has(t)) ?? null;
}

function makeResolver(fileCtx: (rel: string) => FileCtx | null, byRel: Map<string, SourceFileInfo>): FunctionResolver {
  const functionIn = (ctx: FileCtx, name: string): { ctx: FileCtx; fn: Node } | null => {
    const decl = ctx.sf.getFunction(name);
    if (decl) return { ctx, fn: decl };
    const v = ctx.sf.getVariableDeclaration(name);
    const init = v?.getInitializer();
    if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) return { ctx, fn: init };
    return null;
  };
  return (ctx, name) => {
    const local = functionIn(ctx, name);
    if (local) return local;
    const b = ctx.bindings.get(name);
    if (!b) return null;
    const target = resolveModule(byRel, ctx.rel, b.pkg);
    if (!target) return null;
    const other = fileCtx(target);
    if (!other) return null;
    if (b.exported !== 'default') return functionIn(other, b.exported);
    const def = other.sf.getFunctions().find((f) => f.isDefaultExport());
    return def ? { ctx: other, fn: def } : functionIn(other, name);
  };
}
