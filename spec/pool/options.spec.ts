import { expect } from 'chai';
import { Pool, type PoolOptions } from '../../src/index.js';

type Case = [
  description: string,
  options: unknown,
  error: typeof TypeError | typeof RangeError,
  message: RegExp,
];

const cases: Case[] = [
  ['options that are not an object', 8, TypeError, /Pool options must be an object, received 8/],
  ['a missing maxWorkers', {}, TypeError, /maxWorkers is required/],
  ['a string maxWorkers', { maxWorkers: '4' }, TypeError, /maxWorkers must be a number, received "4"/],
  ['a NaN maxWorkers', { maxWorkers: NaN }, RangeError, /maxWorkers must be a number, received NaN/],
  [
    'a zero maxWorkers',
    { maxWorkers: 0 },
    RangeError,
    /maxWorkers must be an integer >= 1 or Infinity, received 0/,
  ],
  [
    'a fractional maxWorkers',
    { maxWorkers: 1.5 },
    RangeError,
    /maxWorkers must be an integer >= 1.*received 1\.5/,
  ],
  [
    'a negative minWorkers',
    { maxWorkers: 2, minWorkers: -1 },
    RangeError,
    /minWorkers must be an integer >= 0, received -1/,
  ],
  [
    'an infinite minWorkers',
    { maxWorkers: 2, minWorkers: Infinity },
    RangeError,
    /minWorkers .* received Infinity/,
  ],
  [
    'minWorkers above maxWorkers',
    { maxWorkers: 2, minWorkers: 3 },
    RangeError,
    /minWorkers \(3\) must not exceed maxWorkers \(2\)/,
  ],
  [
    'a boolean idleTimeout',
    { maxWorkers: 1, idleTimeout: true },
    TypeError,
    /idleTimeout must be a number, received true/,
  ],
  [
    'a negative idleTimeout',
    { maxWorkers: 1, idleTimeout: -5 },
    RangeError,
    /idleTimeout must be a duration in ms >= 0 or Infinity, received -5/,
  ],
  [
    'an unknown scaleDown',
    { maxWorkers: 1, scaleDown: 'never' },
    RangeError,
    /scaleDown must be 'idle-timeout' or \{ reaper: \{ interval \} \}, received "never"/,
  ],
  ['a scaleDown without reaper', { maxWorkers: 1, scaleDown: {} }, TypeError, /scaleDown must be/],
  [
    'a zero reaper interval',
    { maxWorkers: 1, scaleDown: { reaper: { interval: 0 } } },
    RangeError,
    /scaleDown\.reaper\.interval must be a finite duration in ms > 0, received 0/,
  ],
  [
    'a string reaper interval',
    { maxWorkers: 1, scaleDown: { reaper: { interval: '1s' } } },
    TypeError,
    /scaleDown\.reaper\.interval must be a number, received "1s"/,
  ],
  [
    'an unknown scaleUp',
    { maxWorkers: 1, scaleUp: 'greedy' },
    RangeError,
    /scaleUp must be one of "eager", "balanced", "lazy", received "greedy"/,
  ],
  ['a numeric scaleUp', { maxWorkers: 1, scaleUp: 1 }, TypeError, /scaleUp must be one of .* received 1/],
  [
    'an unknown queue',
    { maxWorkers: 1, queue: 'random' },
    RangeError,
    /queue must be one of "fifo", "lifo", "priority", received "random"/,
  ],
  [
    'a negative queueCapacity',
    { maxWorkers: 1, queueCapacity: -1 },
    RangeError,
    /queueCapacity must be an integer >= 0 or Infinity, received -1/,
  ],
  [
    'a string queueCapacity',
    { maxWorkers: 1, queueCapacity: '10' },
    TypeError,
    /queueCapacity must be a number, received "10"/,
  ],
  [
    'an unknown onFull',
    { maxWorkers: 1, onFull: 'panic' },
    RangeError,
    /onFull must be one of "reject", "block", "discard", "discard-oldest", "caller-runs", received "panic"/,
  ],
  [
    'an unknown dispatch',
    { maxWorkers: 1, dispatch: 'round-robin' },
    RangeError,
    /dispatch must be one of "shared", "dedicated", received "round-robin"/,
  ],
  [
    'a negative taskTimeout',
    { maxWorkers: 1, taskTimeout: -1 },
    RangeError,
    /taskTimeout must be a duration in ms >= 0 or Infinity, received -1/,
  ],
  [
    'a taskTimeout object',
    { maxWorkers: 1, taskTimeout: {} },
    TypeError,
    /taskTimeout must be a number, received an object/,
  ],
  ['a null maxWorkers', { maxWorkers: null }, TypeError, /maxWorkers must be a number, received null/],
  [
    'a signal that is not an AbortSignal',
    { maxWorkers: 1, signal: {} },
    TypeError,
    /signal must be an AbortSignal, received an object/,
  ],
];

describe('Pool options', () => {
  for (const [description, options, errorClass, message] of cases) {
    it(`rejects ${description}`, () => {
      expect(() => new Pool(options as PoolOptions)).to.throw(errorClass, message);
    });
  }

  it('refuses the options other pool libraries name otherwise, naming the one to use', () => {
    const peers: [string, unknown, string][] = [
      ['concurrency', 4, 'maxWorkers'],
      ['maxThreads', 4, 'maxWorkers'],
      ['minThreads', 1, 'minWorkers'],
      ['maxQueue', 10, 'queueCapacity'],
      ['maxQueueSize', 10, 'queueCapacity'],
      ['timeout', 100, 'taskTimeout'],
      ['interval', 1000, 'rateLimit: { limit, interval }'],
      ['intervalCap', 10, 'rateLimit: { limit, interval }'],
      ['autoStart', false, 'pause() after construction'],
      ['filename', './worker.js', 'module, with ThreadPool'],
    ];
    for (const [name, value, instead] of peers) {
      const message = `${name} is not an rxpool option (use ${instead}), received ${JSON.stringify(value)}`;
      expect(() => new Pool({ maxWorkers: 1, [name]: value } as PoolOptions)).to.throw(TypeError, message);
    }
    // Given as undefined, it asks for nothing.
    expect(() => new Pool({ maxWorkers: 1, concurrency: undefined } as PoolOptions)).not.to.throw();
  });

  it('accepts the documented domain edges', async () => {
    const pools = [
      new Pool({ maxWorkers: Infinity }),
      new Pool({ maxWorkers: 1, queueCapacity: 0, idleTimeout: 0 }),
      new Pool({ maxWorkers: 3, minWorkers: 3, idleTimeout: Infinity }),
      new Pool({ maxWorkers: 2, scaleDown: { reaper: { interval: 50 } }, taskTimeout: Infinity }),
    ];
    expect(pools.map((pool) => pool.stats.workers)).to.deep.equal([0, 0, 3, 0]);
    await Promise.all(pools.map((pool) => pool.close()));
  });

  it('validates resize like the constructor', async () => {
    const pool = new Pool({ maxWorkers: 4, minWorkers: 1 });
    expect(() => pool.resize({ maxWorkers: 0 })).to.throw(RangeError, /maxWorkers must be an integer >= 1/);
    expect(() => pool.resize({ minWorkers: 5 })).to.throw(
      RangeError,
      /minWorkers \(5\) must not exceed maxWorkers \(4\)/,
    );
    expect(() => pool.resize({ minWorkers: 'two' as unknown as number })).to.throw(
      TypeError,
      /minWorkers must be a number/,
    );
    expect(() => pool.resize(null as unknown as { maxWorkers: number })).to.throw(
      TypeError,
      /resize expects/,
    );
    expect(pool.stats).to.include({ minWorkers: 1, maxWorkers: 4 });
    await pool.close();
  });

  it('refuses, in resize, a name other than the two bounds, where it would change nothing', async () => {
    const pool = new Pool({ maxWorkers: 2 });
    const resize = (bounds: object) => () => pool.resize(bounds as { maxWorkers: number });
    expect(resize({ concurrency: 8 })).to.throw(
      TypeError,
      /concurrency is not an rxpool option \(use maxWorkers\)/,
    );
    expect(resize({ maxThreads: 8 })).to.throw(TypeError, /maxThreads is not an rxpool option/);
    expect(resize({ maxworkers: 8 })).to.throw(
      TypeError,
      /minWorkers and maxWorkers only, received maxworkers/,
    );
    expect(resize({ maxWorkers: 8, queueCapacity: 1 })).to.throw(TypeError, /received queueCapacity/);
    expect(pool.stats.maxWorkers).to.equal(2);
    pool.resize({ maxWorkers: 3, minWorkers: undefined });
    expect(pool.stats.maxWorkers).to.equal(3);
    await pool.close();
  });
});

describe('submit options', () => {
  const pool = new Pool({ maxWorkers: 1 });
  after(() => pool.close());

  it('rejects a task that is not a function', () => {
    expect(() => pool.submit('run' as unknown as () => void)).to.throw(
      TypeError,
      'task must be a function, received "run"',
    );
    expect(() => pool.submit(undefined as unknown as () => void)).to.throw(TypeError, 'received undefined');
  });

  it('rejects bad per-task options with the option named', () => {
    const task = (): number => 1;
    expect(() => pool.submit(task, { priority: 'high' as unknown as number })).to.throw(
      TypeError,
      /priority must be a number, received "high"/,
    );
    expect(() => pool.submit(task, { timeout: -1 })).to.throw(
      RangeError,
      /timeout must be a duration in ms >= 0/,
    );
    expect(() => pool.submit(task, { key: 7 as unknown as string })).to.throw(
      TypeError,
      /key must be a string, received 7/,
    );
    expect(() => pool.submit(task, { signal: 'stop' as unknown as AbortSignal })).to.throw(
      TypeError,
      /signal must be an AbortSignal/,
    );
    expect(() => pool.submit(task, 5 as unknown as object)).to.throw(
      TypeError,
      /submit options must be an object/,
    );
    expect(pool.stats.submitted).to.equal(0);
  });
});
