import { expect } from 'chai';
import { ThreadPool, type ThreadPoolOptions, type ThreadTask } from '../../src/threads/index.js';

type Case = [
  description: string,
  options: unknown,
  error: typeof TypeError | typeof RangeError,
  message: string | RegExp,
];

const module = 'spec/threads/fixtures/work.ts';

const optionCases: Case[] = [
  [
    'options that are not an object',
    'work.ts',
    TypeError,
    'ThreadPool options must be an object, received "work.ts"',
  ],
  ['a missing module', {}, TypeError, 'module must be a path or a file URL, received undefined'],
  [
    "piscina's filename in place of module",
    { filename: 'worker.js' },
    TypeError,
    'filename is not an rxpool option (use module, with ThreadPool), received "worker.js"',
  ],
  [
    "piscina's maxThreads",
    { module, maxThreads: 2 },
    TypeError,
    'maxThreads is not an rxpool option (use maxWorkers), received 2',
  ],
  ['a numeric module', { module: 42 }, TypeError, 'module must be a path or a file URL, received 42'],
  ['an empty module path', { module: '' }, TypeError, 'module must be a path or a file URL, received ""'],
  [
    'a module URL that is not a file URL',
    { module: new URL('https://example.com/work.js') },
    TypeError,
    'module must be a path or a file URL, received https://example.com/work.js',
  ],
  [
    'a module string that is a URL of another scheme',
    { module: 'https://example.com/work.js' },
    TypeError,
    'module must be a path or a file URL, received "https://example.com/work.js"',
  ],
  [
    'a module file that does not exist',
    { module: 'spec/threads/fixtures/missing.ts' },
    TypeError,
    /^module must be a path or a file URL of an existing file, received ".*\/spec\/threads\/fixtures\/missing\.ts" \(not found, or not a file\)$/,
  ],
  [
    'a module that is a directory',
    { module: 'spec/threads/fixtures' },
    TypeError,
    /of an existing file, received ".*\/spec\/threads\/fixtures" \(not found, or not a file\)$/,
  ],
  [
    'resourceLimits that are not an object',
    { module, resourceLimits: 64 },
    TypeError,
    'resourceLimits must be an object, received 64',
  ],
  [
    'an unknown resource limit',
    { module, resourceLimits: { maxHeapMb: 64 } },
    TypeError,
    'resourceLimits.maxHeapMb is not a resource limit (expected maxOldGenerationSizeMb, maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb), received 64',
  ],
  [
    'a resource limit that is not a number',
    { module, resourceLimits: { stackSizeMb: '4' } },
    TypeError,
    'resourceLimits.stackSizeMb must be a number of MB, received "4"',
  ],
  [
    'a resource limit out of range',
    { module, resourceLimits: { maxOldGenerationSizeMb: 0 } },
    RangeError,
    'resourceLimits.maxOldGenerationSizeMb must be a finite number of MB > 0, received 0',
  ],
  [
    'workerData that cannot be cloned',
    { module, workerData: { send: () => 1 } },
    TypeError,
    /^workerData must be structured-cloneable, received an object \(.*could not be cloned/,
  ],
  [
    'env that is not an object',
    { module, env: 'PATH=/bin' },
    TypeError,
    'env must be an object or SHARE_ENV, received "PATH=/bin"',
  ],
  [
    'argv that is not an array',
    { module, argv: '--fast' },
    TypeError,
    'argv must be an array, received "--fast"',
  ],
  [
    'execArgv that is not an array of strings',
    { module, execArgv: ['--inspect', 9229] },
    TypeError,
    'execArgv must be an array of strings, received an array',
  ],
  [
    'execArgv with a flag a thread does not take',
    { module, execArgv: ['--expose-gc'] },
    TypeError,
    'execArgv is not taken by a worker thread: Initiated Worker with invalid execArgv flags: --expose-gc',
  ],
  [
    'env with a value that is no string',
    { module, env: { MODE: Symbol('fast') } },
    TypeError,
    'env is not taken by a worker thread: Cannot convert a Symbol value to a string',
  ],
  [
    'an abortGrace of the wrong type',
    { module, abortGrace: '1s' },
    TypeError,
    'abortGrace must be a number, received "1s"',
  ],
  [
    'a negative abortGrace',
    { module, abortGrace: -1 },
    RangeError,
    'abortGrace must be a duration in ms >= 0 or Infinity, received -1',
  ],
  [
    'a pool option of the wrong type',
    { module, maxWorkers: '2' },
    TypeError,
    'maxWorkers must be a number, received "2"',
  ],
  [
    'a minWorkers of the wrong type without maxWorkers',
    { module, minWorkers: '4' },
    TypeError,
    'minWorkers must be a number, received "4"',
  ],
  [
    'a fractional minWorkers without maxWorkers',
    { module, minWorkers: 2.5 },
    RangeError,
    'minWorkers must be an integer >= 0, received 2.5',
  ],
  [
    'an infinite minWorkers without maxWorkers',
    { module, minWorkers: Infinity },
    RangeError,
    'minWorkers must be an integer >= 0, received Infinity',
  ],
  [
    'a pool option out of range',
    { module, maxWorkers: 2, minWorkers: 3 },
    RangeError,
    'minWorkers (3) must not exceed maxWorkers (2)',
  ],
];

const taskCases: [description: string, task: unknown, message: string][] = [
  ['a task that is not an object', 'fib', 'task must be an object { fn, args, transfer? }, received "fib"'],
  [
    'a task that is an array',
    ['fib', 1],
    'task must be an object { fn, args, transfer? }, received an array',
  ],
  [
    'a task without fn',
    { args: [] },
    'task.fn must be the name of an exported function (a non-empty string), received undefined',
  ],
  [
    'a task whose fn is a function',
    { fn: () => 1, args: [] },
    'task.fn must be the name of an exported function (a non-empty string), received a function',
  ],
  ['a task without args', { fn: 'fib' }, 'task.args must be an array, received undefined'],
  ['a task whose args are not an array', { fn: 'fib', args: 10 }, 'task.args must be an array, received 10'],
  [
    'a task whose transfer is not an array',
    { fn: 'sum', args: [], transfer: new ArrayBuffer(1) },
    'task.transfer must be an array, received an object',
  ],
];

describe('ThreadPool options and tasks', () => {
  for (const [description, options, error, message] of optionCases) {
    it(`rejects ${description}`, () => {
      expect(() => new ThreadPool(options as ThreadPoolOptions)).to.throw(error, message);
    });
  }

  describe('a malformed task makes submit throw a TypeError, and nothing is submitted', () => {
    let pool: ThreadPool;
    before(() => {
      pool = new ThreadPool({ module, maxWorkers: 1 });
    });
    after(() => pool.close());

    for (const [description, task, message] of taskCases) {
      it(description, () => {
        expect(() => pool.submit(task as ThreadTask)).to.throw(TypeError, message);
        expect(() => pool.group().submit(task as ThreadTask)).to.throw(TypeError, message);
        expect(pool.stats).to.include({ submitted: 0, workers: 0 });
      });
    }

    it('run() checks its function name the same way', () => {
      expect(() => pool.run(7 as unknown as string)).to.throw(TypeError, 'task.fn must be the name');
    });

    it('a bad submit option is a TypeError too', () => {
      expect(() => pool.submit({ fn: 'fib', args: [1] }, { priority: 'high' as unknown as number })).to.throw(
        TypeError,
        'priority must be a number, received "high"',
      );
    });
  });
});
