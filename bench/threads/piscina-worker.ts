/**
 * The worker of piscina and of tinypool (a fork of piscina): a task is one
 * value, here the arguments as an array; the `name` run option picks the export.
 */
import * as work from './work.js';

export const add = ([a, b]: readonly number[]): number => work.add(a!, b!);
export const spin = ([seed, iterations]: readonly number[]): number => work.spin(seed!, iterations!);
export const whichThread = ([iterations]: readonly number[]): number => work.whichThread(iterations!);
