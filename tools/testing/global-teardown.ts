import { dropIsolatedInfra } from './isolated-infra';

export default async function globalTeardown(): Promise<void> {
  if (!process.env.TEST_INFRA) return;
  if (process.env.KEEP_TEST_INFRA === 'true') return; // for debugging a failed run
  await dropIsolatedInfra(JSON.parse(process.env.TEST_INFRA));
}
