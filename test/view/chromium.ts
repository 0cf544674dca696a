/** The view and a tab of headless Chromium on its page (Debian's chromium, installed by .ci/run; CHROMIUM_PATH overrides). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { type RunningView, startView } from '../../src/view/index.js';
import { REPO_ROOT } from '../support/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium, or a one-line error naming what to install. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A view on free ports and a 1200×640 tab, not yet on its page; dialogs are dismissed. */
export async function viewInChromium(): Promise<{ view: RunningView; browser: Browser; page: Page }> {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'view', 'page.js'))) throw new Error('run npm run build first');
  const browser = await launchChromium();
  const view = await startView({ grpcPort: 0, httpPort: 0, pagePort: 0 });
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 640 });
  page.on('dialog', (d) => void d.dismiss());
  return { view, browser, page };
}
