import { InitialSchema1795443251162 } from './1795443251162-initial-schema.migration';

/**
 * Every migration, oldest first. Listed as classes rather than a file glob so that they
 * survive bundling into an app's single main.js.
 */
export const DOMAIN_MIGRATIONS = [InitialSchema1795443251162];
