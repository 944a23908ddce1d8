// A realistic db.query draft for the benchmarks: actor, source, request and response as the
// PostgreSQL listener records them, so each figure includes what every event costs.
export function draft(sessionId, index) {
  return {
    type: 'db.query',
    sessionId,
    actor: {
      subject: '0oa8f5j3ecb5w3dF35d7',
      name: 'billing-agent',
      provider: 'okta',
      groups: ['agents-db'],
      kind: 'agent',
      clientId: '0oa8f5j3ecb5w3dF35d7',
    },
    source: { ip: '10.0.0.7', port: 51234, client: 'psql', user: 'agent' },
    connection: { name: 'pg-prod', type: 'postgres' },
    authorization: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
    request: {
      command: 'SELECT id, item, amount FROM orders WHERE customer_id = $1 ORDER BY id LIMIT 10',
      params: [String(index)],
      statementIndex: index,
      protocol: 'extended',
    },
    response: {
      rows: 3,
      bytes: 96,
      sample: '1|apple|3.50\n2|pear|2.10\n42|plum|9.99',
      truncated: false,
    },
    outcome: { result: 'success', error: null, durationMs: 0.42 },
  };
}
