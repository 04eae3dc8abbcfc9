// Container images as facts (compose `image:`, Kubernetes containers, Helm-rendered) and the RabbitMQ server
// version read from them: a minor in the tag is a version; a major-only or missing tag floats and is never
// reported as a version; a tag jobctl cannot resolve (`${TAG}`, a Helm value it could not render) is unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import { rabbitAtLeast, rabbitServerOf } from '../../src/rules/lib/rabbitmq.js';
import type { ContainerImage } from '../../src/model/types.js';

const img = (image: string): ContainerImage => ({ image, source: 'compose', file: 'docker-compose.yml', loc: { file: 'docker-compose.yml', line: 1, column: 1 } });
const parse = (image: string): string => {
  const s = rabbitServerOf(img(image));
  if (!s) return 'not rabbitmq';
  return `${s.version ?? '-'} major=${s.major ?? '-'} ${s.floating ? 'floating' : 'pinned'} ${s.official ? 'official' : 'vendor'} >=4.3:${rabbitAtLeast(s, '4.3')}`;
};

test('RabbitMQ versions from image references', () => {
  assert.equal(parse('rabbitmq:3.13-management'), '3.13 major=3 pinned official >=4.3:false');
  assert.equal(parse('rabbitmq:4.3.1-management-alpine'), '4.3.1 major=4 pinned official >=4.3:true');
  assert.equal(parse('rabbitmq:4.2'), '4.2 major=4 pinned official >=4.3:false');
  assert.equal(parse('docker.io/library/rabbitmq:4.3@sha256:abc'), '4.3 major=4 pinned official >=4.3:true');
  assert.equal(parse('bitnami/rabbitmq:4.1.0-debian-12-r1'), '4.1.0 major=4 pinned vendor >=4.3:false');
  // floating: never a version
  assert.equal(parse('rabbitmq:4-management'), '- major=4 floating official >=4.3:null');
  assert.equal(parse('rabbitmq:3-management'), '- major=3 floating official >=4.3:false');
  assert.equal(parse('rabbitmq'), '- major=- floating official >=4.3:null');
  assert.equal(parse('rabbitmq:management-alpine'), '- major=- floating official >=4.3:null');
  assert.equal(parse('bitnami/rabbitmq:latest'), '- major=- floating vendor >=4.3:null');
  assert.equal(parse('rabbitmq:${RABBITMQ_TAG:-4.3}'), '- major=- floating official >=4.3:null');
  assert.equal(parse('redis:7'), 'not rabbitmq');
  assert.equal(parse('acme/rabbitmq-exporter:1.0'), 'not rabbitmq');
});

test('images of compose services, Kubernetes containers, RabbitmqCluster resources and Dockerfile FROM lines are model facts with their line', async () => {
  const root = writeProject({
    'docker-compose.yml': 'services:\n  mq:\n    image: rabbitmq:4.3-management\n  worker:\n    build: .\n    command: celery -A proj worker\n',
    'rabbitmq/Dockerfile': 'ARG RMQ=4.3.2\nFROM rabbitmq:${RMQ}-management\nRUN rabbitmq-plugins enable rabbitmq_shovel\n',
    'other/Dockerfile': 'ARG TAG\nFROM rabbitmq:${TAG}\n',
    'k8s/cluster.yaml': 'apiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata:\n  name: broker\nspec:\n  replicas: 3\n  image: rabbitmq:4.3.1-management\n---\napiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata:\n  name: default-image\nspec:\n  replicas: 1\n',
    'k8s/mq.yaml': 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: mq\nspec:\n  template:\n    spec:\n      containers:\n        - name: rabbitmq\n          image: rabbitmq:3.13.7\n',
  }, 'jobctl-images-');
  const m = await buildProjectModel(root);
  const seen = (m.images ?? []).map((i) => `${i.file}:${i.loc.line} ${i.source} ${i.name ?? '-'} ${i.image}`).sort();
  assert.deepEqual(seen, ['docker-compose.yml:3 compose mq rabbitmq:4.3-management', 'k8s/cluster.yaml:7 k8s broker rabbitmq:4.3.1-management', 'k8s/mq.yaml:10 k8s rabbitmq rabbitmq:3.13.7', 'other/Dockerfile:2 dockerfile - rabbitmq:${TAG}', 'rabbitmq/Dockerfile:2 dockerfile - rabbitmq:4.3.2-management']);
});
