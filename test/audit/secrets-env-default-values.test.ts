// The parsing behind JC502's env-default shapes: which call forms carry a default, and which defaults are secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeFallback, envLookupDefault, isKeyByValueShape, isSecretDefault } from '../../src/rules/lib/secrets.js';

test('envLookupDefault: the default argument of os.environ.get/os.getenv/env.str, keyword-only for env()/config()', () => {
  assert.deepEqual(envLookupDefault('os.environ.get("SECRET_KEY", "a#b")  # note'), { variable: 'SECRET_KEY', value: 'a#b' });
  assert.deepEqual(envLookupDefault("os.getenv('X', 'v')"), { variable: 'X', value: 'v' });
  assert.deepEqual(envLookupDefault("env.str('X', 'v')"), { variable: 'X', value: 'v' });
  assert.deepEqual(envLookupDefault('env(\n  "X",  # why\n  default="v",\n)'), { variable: 'X', value: 'v' });
  assert.deepEqual(envLookupDefault('config("X", default="v")'), { variable: 'X', value: 'v' });
  // django-environ's and decouple's second positional argument is a cast
  assert.equal(envLookupDefault('env("X", str)'), null);
  assert.equal(envLookupDefault('config("X", "v")'), null);
  assert.equal(envLookupDefault('os.environ.get("X", OTHER)'), null);
  assert.equal(envLookupDefault('os.environ.get("X", f"{A}b")'), null);
  assert.equal(envLookupDefault('os.environ["X"]'), null);
});

test('composeFallback: only a whole ${VAR:-literal} value', () => {
  assert.deepEqual(composeFallback('${SECRET_KEY:-abc}'), { variable: 'SECRET_KEY', value: 'abc' });
  assert.deepEqual(composeFallback('${SECRET_KEY-abc}'), { variable: 'SECRET_KEY', value: 'abc' });
  assert.equal(composeFallback('${SECRET_KEY:?required}'), null);
  assert.equal(composeFallback('${SECRET_KEY}'), null);
  assert.equal(composeFallback('x${SECRET_KEY:-abc}'), null);
});

test('isSecretDefault / isKeyByValueShape: random tokens and key formats, not placeholders or self-declared throw-away values', () => {
  assert.ok(isSecretDefault('kP3vX9qL2mN7rT5wZ8yB1cF4hJ6dG0sA'));
  assert.ok(isSecretDefault('AKIAABCDEFGHIJKLMNOP'));
  for (const v of ['changeme', '', 'django-insecure-8c1d0e2f7a9b4c3d5e6f', 'dev-secret-key-8c1d0e2f7a9b', 'hunter2hunter', 'not-a-real-secret-1234567', 'redis://redis:6379/0']) assert.ok(!isSecretDefault(v), v);
  assert.ok(isKeyByValueShape('DDS_DJANGO_KEY', '1ffe98251f500ea2ee7993bb3bc1c78d'));
  assert.ok(isKeyByValueShape('FERNET_KEY', 'q3J0n1m2Xv8sL5kP7rT9wZ2yB4cF6hD8gA0sE1uI3oQ='));
  for (const [n, v] of [['WEB_PUBLIC_KEY', '9d4c1b7e3a2f60588e1d2c3b4a5f6e7d'], ['CACHE_KEY', '0f9e8d7c6b5a49382716af0e9d8c7b6a'], ['SIGNING_KEY', '1ffe98251f500ea2'], ['_SESSION_KEY', '_app_new_long_lived_refresh_token_x'], ['SECRET_KEY', 'I_am_a_secret_that_is_never_used_meaningfully'], ['KEYBOARD', '1ffe98251f500ea2ee7993bb3bc1c78d']] as const) assert.ok(!isKeyByValueShape(n, v), n);
});
