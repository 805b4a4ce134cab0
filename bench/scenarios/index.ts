/**
 * The scenario registry: every scenario the harness knows, by number
 * (a child process loads only its own scenario's module, by id).
 * Adding one is a file under `scenarios/` and a line here.
 */
import type { Scenario } from '../scenario.js';
import { asyncHops } from './async-hops.js';
import { dispatch } from './dispatch.js';
import { memory } from './memory.js';
import { observed } from './observed.js';
import { priority } from './priority.js';
import { streams } from './streams.js';
import { threads } from './threads.js';
import { throughput } from './throughput.js';

export const scenarios: readonly Scenario[] = [
  throughput, // 1
  asyncHops, // 2
  memory, // 3
  observed, // 4
  streams, // 5
  priority, // 6
  dispatch, // 7
  threads, // 8
];
