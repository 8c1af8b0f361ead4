/**
 * Defaults of the services' own variables that other processes need to reach them on a
 * developer's machine (the quick-start demo, for one): one copy, read by the services' env
 * classes and by their clients. Production deployments set every one of them.
 */

/** The collector's HTTP port (COLLECTOR_PORT). */
export const DEFAULT_COLLECTOR_PORT = 3000;

/** The api's HTTP port (API_PORT). */
export const DEFAULT_API_PORT = 3001;

/** The default admin token (CDP_ADMIN_TOKEN): for local development only (the api warns while it is in use). */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

/** The default write keys (COLLECTOR_WRITE_KEYS): for local development only. */
export const DEV_WRITE_KEYS = 'dev-write-key:web';
