// The argument check of JC411 against Python itself: every (task, call) pair is bound with
// inspect.signature(fn).bind(...) by the real interpreter, and jobctl must agree on accept/reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readProject } from '../model/helpers-python.js';
import { checkCall, describeParams, parseParams, taskSignature } from '../../src/model/typescript/python-signature.js';

const TASKS = `
from celery import Celery
app = Celery('proj')

@app.task(name='t.plain')
def plain(a, b):
    return a + b

@app.task(name='t.defaults')
def defaults(a, b=2, c: int = 3):
    return a

@app.task(bind=True, name='t.bound')
def bound(self, user_id, *, dry_run=False):
    return user_id

@app.task(name='t.star')
def star(a, *args, **kwargs):
    return a

@app.task(name='t.kwonly')
def kwonly(a, *, flag, level: dict[str, int] = {'x': 1}):
    return a

@app.task(name='t.posonly')
def posonly(a, b, /, c=None):
    return a

@app.task(
    name='t.multiline',
)
def multiline(
    account_id,  # the account
    month: str = '2026-01',
    **extra,
):
    return account_id
`;

const CALLS: { positional: number; kwargs: string[] }[] = [
  { positional: 0, kwargs: [] },
  { positional: 1, kwargs: [] },
  { positional: 2, kwargs: [] },
  { positional: 3, kwargs: [] },
  { positional: 4, kwargs: [] },
  { positional: 1, kwargs: ['b'] },
  { positional: 1, kwargs: ['flag'] },
  { positional: 0, kwargs: ['a', 'b'] },
  { positional: 1, kwargs: ['dry_run'] },
  { positional: 2, kwargs: ['c'] },
  { positional: 1, kwargs: ['zzz'] },
  { positional: 0, kwargs: ['user_id'] },
  { positional: 0, kwargs: ['account_id', 'anything'] },
];

function pythonVerdicts(defs: { src: string; bound: boolean }[]): boolean[][] {
  const script = `
import inspect, json, sys
data = json.load(sys.stdin)
out = []
for d in data['defs']:
    ns = {}
    exec(d['src'], ns)
    fn = [v for k, v in ns.items() if callable(v) and not k.startswith('__')][0]
    sig = inspect.signature(fn)
    row = []
    for c in data['calls']:
        args = [None] * (c['positional'] + (1 if d['bound'] else 0))
        try:
            sig.bind(*args, **{k: None for k in c['kwargs']})
            row.append(True)
        except TypeError:
            row.append(False)
    out.append(row)
print(json.dumps(out))
`;
  const stdout = execFileSync('python3', ['-c', script], { input: JSON.stringify({ defs, calls: CALLS }), encoding: 'utf8' });
  return JSON.parse(stdout) as boolean[][];
}

test('JC411 argument check agrees with Python inspect.signature().bind for every task/call pair', async () => {
  const model = await readProject({ 'proj/tasks.py': TASKS });
  assert.equal(model.tasks.length, 7, 'the Python reader finds all 7 tasks');
  const text = model.files[0]!.text;
  const defs = model.tasks.map((t) => {
    // the def statement itself, without decorators, for Python to exec
    const start = text.indexOf(`def ${t.functionName}(`);
    const end = text.indexOf('return', start);
    return { src: `${text.slice(start, end)}return None\n`, bound: t.options.bind?.kind === 'bool' && t.options.bind.value };
  });
  const expected = pythonVerdicts(defs);
  model.tasks.forEach((t, i) => {
    const sig = taskSignature(model, t);
    assert.ok(sig, `signature of ${t.name} found`);
    CALLS.forEach((c, j) => {
      const accepted = checkCall(sig, c.positional, c.kwargs).length === 0;
      assert.equal(accepted, expected[i]![j], `${t.name}(${describeParams(sig.callerParams)}) called with ${c.positional} positional + ${JSON.stringify(c.kwargs)}: Python says ${expected[i]![j] ? 'ok' : 'TypeError'}`);
    });
  });
});

test('unknown sides are not judged: null positional count or kwargs skip the checks that need them', () => {
  const sig = { params: parseParams('a, b'), callerParams: parseParams('a, b'), acceptsAnyPositional: false, acceptsAnyKeyword: false };
  assert.deepEqual(checkCall(sig, null, null), []);
  assert.deepEqual(checkCall(sig, 3, null), ['takes at most 2 positional arguments but 3 were given']);
  assert.deepEqual(checkCall(sig, null, ['c']), ["got an unexpected keyword argument 'c'"]);
});
