// JC502 judges a literal by its value: what is and what is not a secret (rules/lib/secrets.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLiteralSecretValue, isSecretName, knownKeyFormat, maskedUrl, urlPassword } from '../../src/rules/lib/secrets.js';

test('not secrets: class paths, env var names, key templates, scripts, masks, placeholders, identifiers, numbers, plain URLs', () => {
  for (const v of [
    'django.contrib.auth.hashers.Argon2PasswordHasher', 'OPENAI_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'session:token:{}', 'cache:%s:token',
    "if redis.call('get', KEYS[1]) == ARGV[1] then\n  return 1\nend", '********', 'changeme', 'your-api-key-here', 'replace me', '',
    'ToBeDefined', 'RANDOM-STRING-FOR-SECRET-KEYS', 'change_password_attempts', 'change_password_attempts-', 'api-token', '4111111111111112',
    'https://oauth2.googleapis.com/token',
  ]) assert.equal(isLiteralSecretValue(v), false, JSON.stringify(v));
});

test('secrets: high-entropy tokens (even with "%s" inside by chance), known key formats, leetspeak passwords', () => {
  for (const v of ['q8ZrT3vL0pXk2N7wYb4Hc9JdF6mQsA1e', 'w7x#k2%sPq9!zL4$vB8&nM3^rT6*yH1(', 'kiwi-1s-aw3s0m3', 'AKIAZ7Q2XKLM4PNR8TVW']) {
    assert.equal(isLiteralSecretValue(v), true, JSON.stringify(v));
  }
  assert.equal(knownKeyFormat('AKIAZ7Q2XKLM4PNR8TVW'), 'AWS access key id');
  assert.equal(knownKeyFormat('123456789:AAHk3vQz9xLr2PmN8sTw4YbC6dJfG1eHiKo'), 'Telegram bot token');
});

test('URL passwords: placeholders are not secrets; user == password masks both', () => {
  assert.equal(urlPassword('amqp://user:changeme@rabbit//'), null);
  assert.equal(urlPassword('redis://:${REDIS_PASSWORD}@redis:6379/0'), null);
  assert.equal(urlPassword('redis://:Sup3rS3cret@redis:6379/0'), 'Sup3rS3cret');
  assert.equal(maskedUrl('postgres://orders:orders@db/orders'), 'postgres://****:****@db/orders');
  assert.equal(maskedUrl('postgres://orders:Xy7pQ2@db/orders'), 'postgres://orders:****@db/orders');
});

test('not secrets either: cache-key names, "missing" sentinels, Django model labels, a token type named after itself, `pass`', () => {
  for (const v of ['sumo:wiki:full-rebuild', 'secret-key-missing!', 'pretixapi.OAuthAccessToken', 'pass']) assert.equal(isLiteralSecretValue(v), false, JSON.stringify(v));
  assert.equal(isLiteralSecretValue('activation', 'ACTIVATION_TOKEN'), false, 'a token type name');
  assert.equal(isSecretName('OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL'), false, 'a *_TOKEN_MODEL setting names a model');
});

test('weak or vendor-default passwords the services use are credentials, not placeholders (both sides of the list)', () => {
  for (const v of ['password123', 'bitnami', 'top-secret!', 'mayanrabbitpass']) assert.equal(isLiteralSecretValue(v), true, JSON.stringify(v));
  // a password-named value counts whatever its length, and a weak default named after its service is still a password
  assert.equal(isSecretName('RABBITMQ_DEFAULT_PASS'), true);
  assert.equal(isLiteralSecretValue('guest', 'RABBITMQ_DEFAULT_PASS', { short: true }), true, 'a service password in compose');
  assert.equal(isLiteralSecretValue('admin', 'PASSWORD'), false, 'a short literal in code: a documented default of a developer tool');
  assert.equal(isLiteralSecretValue('redis', 'REDIS_PASSWORD', { short: true }), true);
  assert.equal(isLiteralSecretValue('guest', 'API_TOKEN'), false, 'short values stay out for tokens/keys');
  // placeholders that say "replace me" stay out on both sides
  for (const v of ['changeme', 'your-password-here', 'xxx', '<password>', '', 'password', 'pass']) assert.equal(isLiteralSecretValue(v, 'DB_PASSWORD'), false, JSON.stringify(v));
  assert.equal(urlPassword('amqp://user:bitnami@rabbitmq:5672//'), 'bitnami');
  assert.equal(urlPassword('redis://:password123@redis:6379/0'), 'password123');
  assert.equal(urlPassword('redis://:changeme@redis:6379/0'), null);
});

test('template expressions are references, not passwords (cookiecutter `{{cookiecutter.postgres_password}}`)', () => {
  assert.equal(urlPassword('postgresql://{{cookiecutter.postgres_user}}:{{cookiecutter.postgres_password}}@postgres:5432/app'), null);
  assert.equal(urlPassword('postgresql://jobctl_template_value:jobctl_template_value@postgres:5432/app'), null, 'as the deploy readers leave a blanked template');
  assert.equal(isLiteralSecretValue('{{ vault_redis_password }}', 'REDIS_PASSWORD'), false);
});

test('not secrets: a URL route regex, a password generator alphabet, a sentence written as an identifier', () => {
  for (const v of ['(?P<friendly_token>[\\w\\-_]*)', '.~!@#$%&*-+=', 'I_am_a_secret_that_is_never_used_meaningfully_by_pulp']) assert.equal(isLiteralSecretValue(v), false, JSON.stringify(v));
  assert.equal(isLiteralSecretValue('w7x#k2%sPq9!zL4$vB8&nM3^rT6*yH1('), true, 'symbols mixed with letters and digits stay a secret');
});
