import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const examplePath = fileURLToPath(new URL('../../warden.example.yaml', import.meta.url));

describe('warden.example.yaml', () => {
  it('parses, with Okta and Entra side by side and one postgres connection', async () => {
    const config = await loadConfig(examplePath, { PG_PROD_PASSWORD: 'example-password' });
    expect(
      config.identity.providers.map(({ name, preset, issuer }) => ({ name, preset, issuer })),
    ).toEqual([
      { name: 'okta', preset: 'okta', issuer: 'https://example.okta.com/oauth2/default' },
      {
        name: 'entra',
        preset: 'entra',
        issuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
      },
    ]);
    expect(config.connections).toHaveLength(1);
    expect(config.connections[0]?.target.password).toBe('example-password');
    expect(config.listeners.postgres?.listen).toEqual({ host: '127.0.0.1', port: 15432 });
  });

  it('needs PG_PROD_PASSWORD', async () => {
    await expect(loadConfig(examplePath, {})).rejects.toThrow(
      'connections[0].target.password: environment variable PG_PROD_PASSWORD is not set',
    );
  });
});
