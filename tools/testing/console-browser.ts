import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { WORKSPACE_ROOT } from './app-process';

/** Debian's package; CI installs it (.ci/run). CHROMIUM_PATH points the tests at another binary. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Test artifacts (gitignored); docs/console/ keeps one per page. */
export const CONSOLE_SCREENSHOTS = join(WORKSPACE_ROOT, 'tmp', 'console-screenshots');

export interface ConsoleBrowser {
  page: Page;
  /** Scripts that threw and what the CSP blocked, in the order they happened: a test expects none. */
  pageErrors: string[];
  /** Saves the page as `<CONSOLE_SCREENSHOTS>/<name>.png`. */
  shot: (name: string) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Headless Chromium (no browser download: playwright-core drives the system's) with one page for the operator console.
 * A script the CSP blocks, or one that throws, lands in pageErrors.
 */
export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(CONSOLE_SCREENSHOTS, { recursive: true });
  // Loaded here, not at the top: it takes ~0.4 s, and most users of @inbound/testing open no browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  const close = () => browser.close();
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } }).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
  });
  const shot = async (name: string) => {
    await page.screenshot({ path: join(CONSOLE_SCREENSHOTS, `${name}.png`) });
  };
  return { page, pageErrors, shot, close };
}
