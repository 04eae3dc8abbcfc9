// Kubernetes manifests and Helm templates: celery containers become worker commands with their pod's
// grace period and probes; Helm renders simple .Values paths from the chart's values.yaml and leaves
// everything else unknown (an unread entry, never a fact built on it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import type { ProjectModel } from '../../src/model/types.js';

const project = (files: Record<string, string>): string => writeProject(files, 'jobctl-k8s-');
const summary = (m: ProjectModel): string[] =>
  m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.source} ${w.processName ?? '-'} ${w.subcommand} c=${w.concurrency} q=${w.queues.join(',')} grace=${w.deploy?.gracePeriodSeconds ?? '-'} live=${w.deploy?.livenessProbe?.command ?? '-'} ready=${w.deploy?.readinessProbe?.kind ?? '-'}`).sort();

const manifest = [
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: web}',
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: worker',
  'spec:',
  '  replicas: 2',
  '  template:',
  '    spec:',
  '      terminationGracePeriodSeconds: 600',
  '      containers:',
  '        - name: worker',
  '          image: acme/app:1',
  '          command: ["celery", "-A", "proj"]',
  '          args: ["worker", "-Q", "default,mail", "--concurrency=$(WORKERS)"]',
  '          env:',
  '            - name: DJANGO_SETTINGS_MODULE',
  '              value: proj.settings.prod',
  '          livenessProbe:',
  '            exec:',
  '              command: ["celery", "-A", "proj", "inspect", "ping"]',
  '          readinessProbe:',
  '            tcpSocket: {port: 8080}',
  '---',
  'apiVersion: batch/v1',
  'kind: CronJob',
  'metadata: {name: purge}',
  'spec:',
  '  schedule: "0 * * * *"',
  '  jobTemplate:',
  '    spec:',
  '      template:',
  '        spec:',
  '          containers:',
  '            - name: purge',
  '              command: ["sh", "-c", "celery -A proj purge -f"]',
  '',
].join('\n');

test('multi-document manifests: Deployment and CronJob containers, grace period, probes, env', async () => {
  const m = await buildProjectModel(project({ 'k8s/worker.yaml': manifest }));
  // $(WORKERS) is expanded by kubelet from the container env; nothing sets it here
  assert.deepEqual(m.workerCommands.find((w) => w.subcommand === 'worker')!.options!.worker_concurrency, { state: 'unknown', text: '${WORKERS}', reason: '`$WORKERS` is set at deploy time' });
  assert.deepEqual(summary(m), [
    "k8s/worker.yaml:17 k8s worker worker c=null q=default,mail grace=600 live=celery -A proj inspect ping ready=tcpSocket",
    'k8s/worker.yaml:39 k8s purge purge c=null q= grace=- live=- ready=-',
  ]);
  assert.deepEqual(m.workerCommands.find((w) => w.subcommand === 'worker')!.deploy!.replicas, 2);
  assert.deepEqual(m.envAssignments.map((e) => `${e.file}:${e.loc.line} ${e.source}/${e.scope} ${e.key}=${e.value}`), ['k8s/worker.yaml:20 k8s/worker DJANGO_SETTINGS_MODULE=proj.settings.prod']);
});

test('twin: a web Deployment, a ConfigMap mentioning celery, a CI workflow: no worker, nothing unread', async () => {
  const m = await buildProjectModel(project({
    'k8s/web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          command: ["gunicorn", "proj.wsgi"]\n',
    'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata:\n  run: celery -A proj worker\n',
    '.github/workflows/ci.yml': 'kind: Deployment\njobs: {}\n',
  }));
  assert.deepEqual(summary(m), []);
  assert.deepEqual(m.unread, []);
});

const chart = (workerArgs: string): Record<string, string> => ({
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
  'charts/app/values.yaml': 'worker:\n  enabled: true\n  concurrency: 4\n  command: ["celery", "-A", "proj", "worker"]\n  grace: 300\nbeat:\n  enabled: false\n',
  'charts/app/templates/_helpers.tpl': '{{- define "app.labels" -}}\napp: x\n{{- end }}\n',
  'charts/app/templates/worker.yaml': [
    '{{- if .Values.worker.enabled }}',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ include "app.fullname" . }}-worker',
    '  labels:',
    '    {{- include "app.labels" . | nindent 4 }}',
    'spec:',
    '  template:',
    '    spec:',
    '      terminationGracePeriodSeconds: {{ .Values.worker.grace }}',
    '      containers:',
    '        - name: worker',
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
    '          {{- with .Values.worker.command }}',
    '          command:',
    '            {{- toYaml . | nindent 12 }}',
    '          {{- end }}',
    `          args: ${workerArgs}`,
    '{{- end }}',
    '{{- if .Values.beat.enabled }}',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: beat',
    '          command: ["celery", "-A", "proj", "beat"]',
    '{{- end }}',
    '',
  ].join('\n'),
});

test('Helm: .Values paths, with/toYaml, if on values render; the disabled beat is not deployed', async () => {
  const m = await buildProjectModel(project(chart('["--concurrency", "{{ .Values.worker.concurrency }}"]')));
  assert.deepEqual(summary(m), ['charts/app/templates/worker.yaml:17 k8s worker worker c=4 q= grace=300 live=- ready=-']);
  assert.deepEqual(m.unread, []);
});

test('Helm `default` with a literal: the value when it is set and not empty (Sprig), else the literal', async () => {
  const concurrency = async (args: string): Promise<number | null | undefined> => (await buildProjectModel(project(chart(args)))).workerCommands[0]?.concurrency;
  assert.equal(await concurrency('["--concurrency", "{{ .Values.worker.concurrency | default 2 }}"]'), 4);
  assert.equal(await concurrency('["--concurrency", "{{ .Values.worker.missing | default 2 }}"]'), 2);
  assert.equal(await concurrency('["--concurrency", "{{ default 3 .Values.worker.missing }}"]'), 3);
  assert.equal(await concurrency('["--concurrency", {{ .Values.worker.missing | default "5" | quote }}]'), 5);
});

test('twin: a Helm function in the worker args is unknown — unread, no worker built on it', async () => {
  const m = await buildProjectModel(project(chart('["--concurrency", "{{ .Values.worker.concurrency | default .Values.fallback | int }}"]')));
  assert.deepEqual(summary(m), []);
  assert.deepEqual(m.unread.map((u) => `${u.file}:${u.loc?.line} ${u.what}`), ['charts/app/templates/worker.yaml:17 the command of container worker']);
});

test('envFrom a ConfigMap in another file: its data is the container env, and $(WORKERS) resolves from it', async () => {
  const m = await buildProjectModel(project({
    'k8s/worker.yaml': manifest.replace('          env:\n', '          envFrom:\n            - configMapRef: {name: app-config}\n          env:\n'),
    'k8s/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  WORKERS: "3"\n  CELERY_CONFIG_MODULE: proj.celeryconfig\n',
  }));
  assert.equal(m.workerCommands.find((w) => w.subcommand === 'worker')!.concurrency, 3);
  assert.deepEqual(m.envAssignments.filter((e) => e.scope === 'worker').map((e) => `${e.file}:${e.loc.line} ${e.key}=${e.value}`).sort(), [
    'k8s/config.yaml:6 WORKERS=3',
    'k8s/config.yaml:7 CELERY_CONFIG_MODULE=proj.celeryconfig',
    'k8s/worker.yaml:22 DJANGO_SETTINGS_MODULE=proj.settings.prod',
  ]);
});
