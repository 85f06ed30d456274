import { createIsolatedInfra } from './isolated-infra';

/**
 * Jest global setup: one database and one RabbitMQ virtual host per test run of a
 * project, handed to the tests through DATABASE_URL and RABBITMQ_URL (workers inherit the
 * environment). Dropped again by global-teardown.
 */
export default async function globalSetup(
  globalConfig: { displayName?: string },
  projectConfig: { displayName?: { name: string } | string },
): Promise<void> {
  const display = projectConfig?.displayName;
  const label = (typeof display === 'string' ? display : display?.name) ?? globalConfig.displayName ?? 'run';
  const infra = await createIsolatedInfra(label);
  process.env.DATABASE_URL = infra.databaseUrl;
  process.env.RABBITMQ_URL = infra.rabbitmqUrl;
  process.env.TEST_INFRA = JSON.stringify({ databaseName: infra.databaseName, vhost: infra.vhost });
}
