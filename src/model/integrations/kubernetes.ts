// Kubernetes manifests and Helm templates (multi-document YAML): the containers of Deployments,
// StatefulSets, DaemonSets, Jobs, CronJobs and Pods. A container whose command/args run Celery is a
// WorkerCommand with its pod's terminationGracePeriodSeconds and probes; its `env:` are env assignments;
// a command that runs a script is a reference. Helm templates are rendered from the chart's values.yaml
// (./helm.ts); a command on a line jobctl could not render is unread, not guessed.
import { parseAllDocuments, isMap, isSeq, isScalar, LineCounter, type Node, type Document, type YAMLMap } from 'yaml';
import type { DeployFacts, Location, ProbeFact, ProjectModel, SourceFileInfo } from '../types.js';
import type { Integration, Reference } from './types.js';
import { basename } from './text.js';
import { noteIndirectWorker, parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { commandText, isComposeFile } from './compose.js';
import { chartRoot, parseValues, renderHelm } from './helm.js';
import { blankJinja, looksTemplated, TEMPLATE_VALUE, unreadTemplated, type TemplateView } from './template.js';
import { locateInvocations, locOf } from './yaml-util.js';

const WORKLOAD = /^\s*kind:\s*["']?(Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod|ReplicaSet|ConfigMap|RabbitmqCluster)["']?\s*$/m;

function isManifestCandidate(rel: string): boolean {
  if (!/\.ya?ml$/i.test(rel) || isComposeFile(rel)) return false;
  if (/(^|\/)(\.github|\.gitlab|\.circleci|node_modules)\//.test(rel)) return false;
  return !/^(values[\w.-]*|Chart|\.pre-commit-config|mkdocs|codecov|\.readthedocs)\.ya?ml$/i.test(basename(rel));
}

export const kubernetesIntegration: Integration = {
  id: 'kubernetes',
  kind: 'other',
  matches: isManifestCandidate,
  inputs(rel, exists) {
    const root = chartRoot(rel);
    if (root === null) return [];
    const at = (f: string): string => (root ? `${root}/${f}` : f);
    return exists(at('Chart.yaml')) && exists(at('values.yaml')) ? [at('values.yaml')] : [];
  },
  read(file, model, ctx) {
    if (!WORKLOAD.test(file.text) && !/kind:\s*\{\{/.test(file.text)) return;
    const view = viewOf(file, ctx.inputs);
    const references: Reference[] = [];
    const lc = new LineCounter();
    let docs: Document[];
    try {
      docs = parseAllDocuments(view.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false }) as Document[];
    } catch {
      docs = [];
    }
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        const range = doc.range ?? [0, 0, view.text.length];
        if (/celery/.test(view.text.slice(range[0], range[2]))) model.unread.push({ file: file.file, what: 'a Kubernetes manifest that runs Celery', reason: view.templated ? 'the template does not parse once its unknown parts are blanked' : 'not valid YAML' });
        continue;
      }
      if (doc.get('kind') === 'ConfigMap') readConfigMap(doc, file, model, view, lc);
      else if (doc.get('kind') === 'RabbitmqCluster') readRabbitmqCluster(doc, file, model, view, lc);
      else readWorkload(doc, file, model, view, lc, references);
    }
    return { references };
  },
};

function viewOf(file: SourceFileInfo, inputs: Map<string, string> | undefined): TemplateView {
  const root = chartRoot(file.file);
  if (root !== null && inputs && inputs.size > 0) return renderHelm(file.text, parseValues([...inputs.values()][0]));
  if (root !== null && /\{\{/.test(file.text)) return renderHelm(file.text, null);
  return looksTemplated(file.text) ? blankJinja(file.text) : { text: file.text, templated: false, unknownLines: new Set() };
}

function readWorkload(doc: Document, file: SourceFileInfo, model: ProjectModel, view: TemplateView, lc: LineCounter, references: Reference[]): void {
  const kind = doc.get('kind');
  if (typeof kind !== 'string') return;
  const path = kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
  const pod = doc.getIn(path, true) as Node | undefined;
  if (!isMap(pod)) return;
  const fallback: Location = { file: file.file, line: 1, column: 1 };
  const at = (n: Node | undefined): Location => locOf(file.file, lc, n, fallback);
  const templated = (n: Node | undefined): boolean => spans(view.unknownLines, n, lc);
  const graceNode = pod.get('terminationGracePeriodSeconds', true) as Node | undefined;
  const grace = isScalar(graceNode) && !templated(graceNode) && typeof graceNode.value === 'number' ? graceNode.value : undefined;
  const replicas = doc.getIn(['spec', 'replicas']);
  const containers = pod.get('containers', true);
  if (!isSeq(containers)) return;
  for (const c of containers.items as Node[]) {
    if (!isMap(c)) continue;
    const name = String(c.get('name') ?? '');
    const processName = name && !name.includes(TEMPLATE_VALUE) ? name : undefined;
    for (const src of envFromSources(c)) {
      if (!processName) continue;
      // a Secret, or a ConfigMap whose name is templated: its variables exist but are not readable here
      const readable = src.kind === 'ConfigMap' && !templated(src.node) && !src.name.includes(TEMPLATE_VALUE);
      references.push({ kind: 'env-from', source: readable ? `ConfigMap/${src.name}` : null, scope: processName, from: at(src.node) });
    }
    for (const e of envEntries(c)) {
      if (templated(e.node)) continue;
      model.envAssignments.push({ key: e.key, value: e.value, file: file.file, loc: at(e.node), source: 'k8s', ...(processName ? { scope: processName } : {}) });
    }
    const imageNode = c.get('image', true) as Node | undefined;
    if (isScalar(imageNode) && typeof imageNode.value === 'string' && !templated(imageNode) && !imageNode.value.includes(TEMPLATE_VALUE)) (model.images ??= []).push({ image: imageNode.value, source: 'k8s', file: file.file, loc: at(imageNode), ...(processName ? { name: processName } : {}) });
    const cmdNode = c.get('command', true) as Node | undefined;
    const argsNode = c.get('args', true) as Node | undefined;
    if (!cmdNode && !argsNode) continue;
    // kubelet expands `$(VAR)` in command/args from the container's env
    const words = [...asWords(cmdNode, doc), ...asWords(argsNode, doc)].map((w) => w.replace(/\$\(([A-Za-z_]\w*)\)/g, '${$1}'));
    const line = at(cmdNode ?? argsNode);
    if (templated(cmdNode) || templated(argsNode) || words.some((w) => w.includes(TEMPLATE_VALUE))) {
      if (/celery/.test(`${String(cmdNode ?? '')} ${String(argsNode ?? '')}`) || /celery/i.test(name)) unreadTemplated(model, file.file, line.line, `the command of container ${processName ?? '(templated name)'}`);
      continue;
    }
    const text = words.length === 1 ? words[0]! : commandText(words);
    if (!text) continue;
    const deploy: DeployFacts = { kind, ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}), ...(typeof replicas === 'number' ? { replicas } : {}) };
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      const probe = probeOf(c.get(p, true) as Node | undefined, doc, at);
      if (probe && !templated(c.get(p, true) as Node | undefined)) deploy[p] = probe;
    }
    const found = parseCeleryInvocations(text, { source: 'k8s', file: file.file, loc: line, ...(processName ? { processName } : {}) });
    locateInvocations(found, view.text, lc, [cmdNode, argsNode]);
    for (const w of found) w.deploy = deploy;
    model.workerCommands.push(...found);
    if (found.length === 0) {
      noteIndirectWorker(model, text, processName ?? name, line);
      for (const p of scriptsRun(text)) references.push({ kind: 'run', path: p, base: '', from: line, launcher: { source: 'k8s', file: file.file, loc: line, ...(processName ? { processName } : {}) } });
    }
  }
}

function spans(unknown: Set<number>, n: Node | undefined, lc: LineCounter): boolean {
  if (!n?.range || unknown.size === 0) return false;
  const a = lc.linePos(n.range[0]).line;
  const b = lc.linePos(n.range[1]).line;
  for (let l = a; l <= b; l++) if (unknown.has(l)) return true;
  return false;
}

function asWords(n: Node | undefined, doc: Document): string[] {
  if (!n) return [];
  const v = n.toJS(doc) as unknown;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return [];
}

function envEntries(c: YAMLMap): { key: string; value: string; node: Node }[] {
  const env = c.get('env', true);
  if (!isSeq(env)) return [];
  const out: { key: string; value: string; node: Node }[] = [];
  for (const e of env.items as Node[]) {
    if (!isMap(e)) continue;
    const k = e.get('name');
    const v = e.get('value');
    if (typeof k === 'string' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out.push({ key: k, value: String(v), node: e });
  }
  return out;
}

function probeOf(n: Node | undefined, doc: Document, at: (n: Node | undefined) => Location): ProbeFact | undefined {
  if (!isMap(n)) return undefined;
  const p = n.toJS(doc) as { exec?: { command?: unknown }; httpGet?: { path?: unknown; port?: unknown }; tcpSocket?: { port?: unknown }; grpc?: { port?: unknown } };
  if (p.exec) return { kind: 'exec', command: commandText(p.exec.command) ?? '', loc: at(n) };
  if (p.httpGet) return { kind: 'httpGet', command: `${String(p.httpGet.path ?? '/')}:${String(p.httpGet.port ?? '')}`, loc: at(n) };
  if (p.tcpSocket) return { kind: 'tcpSocket', command: String(p.tcpSocket.port ?? ''), loc: at(n) };
  if (p.grpc) return { kind: 'grpc', command: String(p.grpc.port ?? ''), loc: at(n) };
  return undefined;
}

/**
 * The RabbitMQ cluster operator's `RabbitmqCluster`: `spec.image` is the server image it runs. Without one the
 * operator's own default applies (it depends on the operator's version, not read here): no image fact.
 */
function readRabbitmqCluster(doc: Document, file: SourceFileInfo, model: ProjectModel, view: TemplateView, lc: LineCounter): void {
  const node = doc.getIn(['spec', 'image'], true) as Node | undefined;
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.includes(TEMPLATE_VALUE) || spans(view.unknownLines, node, lc)) return;
  const name = doc.getIn(['metadata', 'name']);
  model.images ??= [];
  model.images.push({ image: node.value, source: 'k8s', file: file.file, loc: locOf(file.file, lc, node, { file: file.file, line: 1, column: 1 }), ...(typeof name === 'string' ? { name } : {}) });
}

/** a ConfigMap's `data:` as env assignments scoped `ConfigMap/<name>` (containers take them with envFrom) */
function readConfigMap(doc: Document, file: SourceFileInfo, model: ProjectModel, view: TemplateView, lc: LineCounter): void {
  const name = doc.getIn(['metadata', 'name']);
  const data = doc.get('data', true);
  if (typeof name !== 'string' || name.includes(TEMPLATE_VALUE) || !isMap(data)) return;
  for (const p of data.items as { key: Node; value: Node }[]) {
    if (!isScalar(p.key) || !isScalar(p.value) || spans(view.unknownLines, p.value, lc)) continue;
    const v = p.value.value;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
    model.envAssignments.push({ key: String(p.key.value), value: String(v), file: file.file, loc: locOf(file.file, lc, p.key, { file: file.file, line: 1, column: 1 }), source: 'k8s', scope: `ConfigMap/${name}` });
  }
}

function envFromSources(c: YAMLMap): { kind: 'ConfigMap' | 'Secret'; name: string; node: Node }[] {
  const from = c.get('envFrom', true);
  if (!isSeq(from)) return [];
  const out: { kind: 'ConfigMap' | 'Secret'; name: string; node: Node }[] = [];
  for (const e of from.items as Node[]) {
    if (!isMap(e)) continue;
    for (const [key, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
      const ref = e.get(key, true);
      const name = isMap(ref) ? ref.get('name') : undefined;
      if (typeof name === 'string') out.push({ kind, name, node: e });
    }
  }
  return out;
}
