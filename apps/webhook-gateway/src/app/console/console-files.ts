import { OUTBOUND_EVENT_TYPES } from '@inbound/contracts';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One file of the operator console, read once at start. */
export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Where the console's files are: next to main.js in the build (webpack copies src/console to dist/…/console), or the
 * source tree when the gateway runs from TypeScript (tests, ts-node).
 */
export function consoleDirectory(): string | undefined {
  const candidates = [join(__dirname, 'console'), join(__dirname, '..', '..', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** Every file under `dir` with a known type, keyed by its path below it with `/` separators (`js/live.js`). */
export function readConsoleFiles(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType) continue;
      files.set(relative(dir, path).split(sep).join('/'), consoleFile(readFileSync(path), contentType));
    }
  };
  walk(dir);
  // The names the browser code shares with the server come from libs/contracts, not from a copy in the console.
  files.set(
    CONTRACTS_MODULE,
    consoleFile(Buffer.from(`export const EVENT_TYPES = ${JSON.stringify(OUTBOUND_EVENT_TYPES)};\n`), CONTENT_TYPES['.js']),
  );
  return files;
}

/** The module the console imports the platform's contract names from, made at start: `js/contracts.js`. */
export const CONTRACTS_MODULE = 'js/contracts.js';

function consoleFile(body: Buffer, contentType: string): ConsoleFile {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}
