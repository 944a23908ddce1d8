import { expect, it } from 'vitest';
import { RenderedBacklog, VirtualBacklog } from '../../src/sandbox/log-api-server.js';

const backlog = new VirtualBacklog(2_500, Date.UTC(2026, 0, 1), 1000, (index, time) => ({
  index,
  time: time.toISOString(),
  text: 'é,"]'.repeat(index % 5),
}));
const entries = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, offset) => backlog.at(from + offset));
const listed = (rendered: RenderedBacklog, from: number, to: number) =>
  JSON.parse(rendered.list(from, to).text.toString()) as unknown;

it('lists entries as JSON within and across its chunks, and up to its end', () => {
  const rendered = RenderedBacklog.of(backlog, 1000);
  for (const [from, to] of [
    [0, 1000],
    [0, 1],
    [999, 1001],
    [900, 2100],
    [1000, 2000],
    [2400, 3000],
    [0, 2500],
  ] as const) {
    expect(listed(rendered, from, to)).toEqual(entries(from, Math.min(to, 2500)));
  }
  expect(listed(rendered, 2500, 2600)).toEqual([]);
  expect(listed(rendered, 10, 10)).toEqual([]);
});
