// What an alert rule's match lets the engine skip before parsing an event: the types it does not
// count, and the stored JSON of events whose command cannot hold its statement kinds.
import { describe, expect, it } from 'vitest';
import { compileAlertMatch } from '../../src/rules/alert-match.js';
import { alertConfig } from './alert-world.js';

function matcherOf(match: string) {
  const config = alertConfig(`
  - name: rule
    match: ${match}`);
  return compileAlertMatch(config.alerts[0]!.match, config.connections);
}

/** The stored JSON of a db.query event with this command (the rest of the event left out). */
function stored(command: string): string {
  return JSON.stringify({ type: 'db.query', request: { command, protocol: 'simple' } });
}

describe('mayCount', () => {
  const deletes = matcherOf('{ types: [db.query], statements: [delete] }');

  it('passes on the stored JSON of a command holding the kind’s word, however it is written', () => {
    for (const command of [
      'delete from orders',
      // Stored as `\tDELETE`: the escape's letter stands right against the word.
      '\tDELETE FROM orders',
      'SELECT 1;\n\tDeLeTe FROM orders',
      'WITH gone AS (DELETE FROM orders RETURNING id) SELECT 1',
      // The word alone lets the event through; parsing then decides.
      'SELECT deleted_at FROM orders',
    ]) {
      expect(deletes.mayCount('db.query', stored(command)), command).toBe(true);
    }
  });

  it('stops an event whose JSON lacks every word of the kinds, and a type the rule does not count', () => {
    expect(deletes.mayCount('db.query', stored('SELECT * FROM orders'))).toBe(false);
    expect(deletes.mayCount('db.query', stored('UPDATE orders SET paid = true'))).toBe(false);
    expect(deletes.mayCount('db.query.start', stored('DELETE FROM orders'))).toBe(false);
  });

  it('lets every event of a counted type through when the rule names no statement kinds', () => {
    const byTable = matcherOf('{ types: [db.query], tables: [orders] }');
    expect(byTable.mayCount('db.query', stored('SELECT 1'))).toBe(true);
    // `other` has no words of its own: such a rule parses every command.
    const other = matcherOf('{ types: [db.query], statements: [other] }');
    expect(other.mayCount('db.query', stored('SELECT 1'))).toBe(true);
  });
});
