import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { webDistDirectory } from '../../src/app';
import { createTestDomus, type TestDomus } from './harness';

/**
 * What the browser tests share: Chromium from Debian (never a downloaded one), the built web app,
 * and a Domus listening on a real port. A machine without Chromium skips them, saying so.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

export function warnIfNoChromium(): void {
  if (!hasChromium) console.warn(`[browser test] SKIPPED: no Chromium at ${chromiumPath} (apt-get install -y chromium to run it).`);
}

const root = path.resolve(__dirname, '..', '..');

/** Builds the web app if web/dist is missing, then starts a Domus on 127.0.0.1 at a free port. */
export async function startServedDomus(): Promise<{ domus: TestDomus; baseUrl: string }> {
  if (!existsSync(path.join(webDistDirectory, 'index.html'))) {
    const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('the web app failed to build');
  }
  // The browser judges cookie expiry by the real clock, so the server's (manual) clock starts at now.
  const domus = await createTestDomus({ clockStart: new Date().toISOString() });
  await domus.app.listen({ port: 0, host: '127.0.0.1' });
  return { domus, baseUrl: `http://127.0.0.1:${(domus.app.server.address() as AddressInfo).port}` };
}

/** Headless Chromium with the flags this machine needs; each launch gets a fresh temporary profile. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
