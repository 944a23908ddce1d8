import { expect, it } from 'vitest';
import { SeenIds } from '../../src/collectors/seen-ids.js';

it('forgets the oldest id once over capacity, counting an id added again as new', () => {
  const seen = new SeenIds(3);
  seen.add('a', 1);
  seen.add('b', 2);
  seen.add('a', 3);
  seen.add('c', 4);
  // Four adds into three slots: the first adding of 'a' goes, 'a' itself stays (added again).
  expect(['a', 'b', 'c'].map((id) => seen.has(id))).toEqual([true, true, true]);
  seen.add('d', 5);
  expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([true, false, true, true]);
  seen.add('e', 6);
  expect(['a', 'c', 'd', 'e'].map((id) => seen.has(id))).toEqual([false, true, true, true]);
});

it('forgets the ids dated before a time, and keeps counting capacity after', () => {
  const seen = new SeenIds(4);
  for (const [index, id] of ['a', 'b', 'c', 'd'].entries()) seen.add(id, 10 * (index + 1));
  seen.forgetBefore(25);
  expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([false, false, true, true]);
  seen.add('e', 50);
  seen.add('f', 60);
  seen.add('g', 70);
  expect(['c', 'd', 'e', 'f', 'g'].map((id) => seen.has(id))).toEqual([
    false,
    true,
    true,
    true,
    true,
  ]);
});

it('stays bounded over many more ids than its capacity', () => {
  const seen = new SeenIds(1000);
  for (let index = 0; index < 50_000; index++) seen.add(`id-${index}`, index);
  expect(seen.has('id-48999')).toBe(false);
  expect(seen.has('id-49000')).toBe(true);
  expect(seen.has('id-49999')).toBe(true);
});
