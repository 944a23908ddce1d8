import { loadConfig } from '../config/index.js';
import { startGateway } from '../gateway/index.js';
import { createLogger } from '../log/index.js';
import { resolveConfigPath } from './config-path.js';

export async function serve(options: { config?: string }): Promise<number> {
  const logger = createLogger();
  const configPath = resolveConfigPath(options.config);
  const config = await loadConfig(configPath);
  if (config.identity.providers.length === 0) {
    logger.warn(
      'identity.providers is empty: no token can be verified, so every connection is refused',
    );
  }
  if (config.identity.adminGroups.length === 0) {
    logger.warn('identity.adminGroups is empty: nobody can read the audit API');
  }
  if (config.identity.providers.length > 1) {
    const unqualified = [
      ...config.identity.adminGroups,
      ...config.connections.flatMap((connection) => connection.allow),
    ].filter((ref) => ref.provider == null);
    if (unqualified.length > 0) {
      logger.warn(
        { groups: unqualified.map((ref) => ref.group) },
        'several providers are configured and some groups name none: any provider can grant them',
      );
    }
  }
  const gateway = await startGateway(config, logger);
  logger.info(
    {
      config: configPath,
      api: gateway.api.url,
      postgres: gateway.postgres?.address ?? null,
      connections: config.connections.map((c) => c.name),
    },
    'warden is serving',
  );
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolveStop();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await gateway.close();
  return 0;
}
