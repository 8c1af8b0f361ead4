import type { BaseEnv } from '@cdp/config';

export interface ClickHouseSettings {
  url: string;
  database: string;
  username: string;
  password: string;
  requestTimeoutMs: number;
  applicationName: string;
}

export function clickHouseSettingsFromEnv(env: BaseEnv, applicationName: string): ClickHouseSettings {
  return {
    url: env.CLICKHOUSE_URL,
    database: env.CLICKHOUSE_DATABASE,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    requestTimeoutMs: env.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    applicationName,
  };
}
