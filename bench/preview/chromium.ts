/**
 * Headless Chromium for the preview page's browser test, its benchmark and the README screenshot:
 * Debian's `chromium` (CI: `apt-get install -y chromium`) driven by playwright-core, with a fresh
 * temporary profile each launch. `AUTOML_IMG_CHROMIUM` names another executable.
 *
 * @example
 *   const browser = await launchChromium();
 *   if (!browser) return;                       // no Chromium here: callers skip
 *   const page = await browser.context.newPage();
 *   await page.goto(pathToFileURL('preview.html').href);
 *   await browser.close();
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** The Chromium executable: `AUTOML_IMG_CHROMIUM`, or Debian's. */
export const CHROMIUM_PATH = process.env['AUTOML_IMG_CHROMIUM'] || '/usr/bin/chromium';

/** The flags every launch uses: no network chatter, no sandbox (containers), no GPU. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set AUTOML_IMG_CHROMIUM)`;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** Closes the browser and removes its temporary profile. */
  close: () => Promise<void>;
}

/** Launches Chromium with a fresh temporary profile; undefined when there is none. */
export async function launchChromium(viewport: { width: number; height: number } = { width: 1280, height: 800 }): Promise<LaunchedChromium | undefined> {
  if (chromiumMissing()) return undefined;
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'automl-img-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
