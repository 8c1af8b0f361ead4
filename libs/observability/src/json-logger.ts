import { LoggerService } from '@nestjs/common';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

const RANK: Record<LogLevel, number> = { fatal: 0, error: 1, warn: 2, log: 3, debug: 4, verbose: 5 };
const NAME: Record<LogLevel, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export interface LogSink {
  write(line: string): void;
}

const stdoutSink: LogSink = { write: (line) => process.stdout.write(line) };

function serialiseError(err: Error): Record<string, unknown> {
  return { type: err.name, message: err.message, stack: err.stack };
}

/**
 * Nest logger that writes one JSON object per line:
 * `{"time":"…","level":"info","service":"ingest","context":"Kafka","msg":"…", ...fields}`.
 * An object as the first optional parameter is merged into the line as fields.
 */
export class JsonLogger implements LoggerService {
  private threshold: number;

  constructor(
    private readonly service: string,
    level: LogLevel = 'log',
    private readonly sink: LogSink = stdoutSink,
  ) {
    this.threshold = RANK[level];
  }

  setLevel(level: LogLevel): void {
    this.threshold = RANK[level];
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    if (RANK[level] > this.threshold) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: NAME[level],
      service: this.service,
    };
    const rest = [...params];
    // Nest passes the context as the last string parameter.
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') line.context = rest.pop();
    if (message instanceof Error) {
      line.msg = message.message;
      line.err = serialiseError(message);
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(line, message);
    } else {
      line.msg = String(message);
    }
    for (const p of rest) {
      if (p instanceof Error) line.err = serialiseError(p);
      else if (typeof p === 'string' && level === 'error')
        line.stack = p; // Nest's (message, stack, context)
      else if (typeof p === 'object' && p !== null) Object.assign(line, p);
      else if (p !== undefined) line.extra = p;
    }
    this.sink.write(`${safeStringify(line)}\n`);
  }
}

function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
