// Structured logs (pino). Secrets are redacted by path, and API keys never reach a log call.
// People get one readable line per entry in a terminal (pino-pretty, in-process and synchronous,
// so log lines and the CLI's progress lines come out whole and in order); machines get JSON lines
// when stdout is not a terminal, or always with TWS_LOG_FORMAT=json.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'webhookUrl',
  '*.webhookUrl',
  // Secrets of the security settings, as they sit in the configuration (lib/secrets.ts).
  '*.*.password',
  'keyPassword',
  '*.keyPassword',
  '*.*.keyPassword',
  'secretKey',
  '*.secretKey',
  // Alert targets' signing secrets (lib/alerts), should one ever be passed to a log call.
  'secret',
  '*.secret',
  '*.*.secret',
];

export type LogFormat = 'json' | 'pretty';

/** `json` or `pretty` as asked (TWS_LOG_FORMAT); otherwise pretty in a terminal and JSON elsewhere. */
export function logFormat(
  asked: string | undefined = process.env.TWS_LOG_FORMAT,
  tty = process.stdout.isTTY,
): LogFormat {
  if (asked === 'json' || asked === 'pretty') return asked;
  return tty ? 'pretty' : 'json';
}

/**
 * stdout that falls silent when the terminal or pipe goes away (EIO, EPIPE): a closed terminal must
 * not turn every log call of the stop that follows into an exception.
 */
function stdout(sync: boolean) {
  const out = pino.destination({ fd: 1, sync });
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EIO' && err.code !== 'EPIPE') throw err;
    out.write = () => true;
  });
  return out;
}

/** One line per entry: time, level, `component:` and message, then the other fields as compact JSON. */
function prettyStream(): NodeJS.WritableStream {
  return pretty({
    destination: stdout(true),
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,component',
    messageFormat: '{if component}{component}: {end}{msg}',
    singleLine: true,
  });
}

/** A logger to stdout in the format logFormat() picks, or JSON lines to `destination`. */
export function createLogger(
  opts: { level?: string; name?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const format = opts.destination ? 'json' : (opts.format ?? logFormat());
  return pino(
    {
      name: opts.name ?? 'tws',
      level: opts.level ?? process.env.TWS_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    opts.destination ?? (format === 'pretty' ? prettyStream() : stdout(false)),
  );
}

/** A logger that drops everything, for tests and libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
