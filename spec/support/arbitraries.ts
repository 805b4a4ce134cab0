import fc from 'fast-check';
import type { FullPolicyName, QueueKind } from '../../src/index.js';

/** Every queue kind. */
export const queueKind: fc.Arbitrary<QueueKind> = fc.constantFrom<QueueKind>('fifo', 'lifo', 'priority');

/** Every full-queue policy. */
export const fullPolicy: fc.Arbitrary<FullPolicyName> = fc.constantFrom<FullPolicyName>(
  'reject',
  'block',
  'discard',
  'discard-oldest',
  'caller-runs',
);
