import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, startServedDomus, warnIfNoChromium } from '../support/browser';
import type { TestDomus } from '../support/harness';

/**
 * A person's path through the product in real Chromium: sign up, create an agency, create a
 * listing, upload a photo, publish it, and find it through the search page.
 */
warnIfNoChromium();
let domus: TestDomus;
let baseUrl: string;
let workDir: string;

describe.skipIf(!hasChromium)('web app in Chromium', () => {
  beforeAll(async () => {
    ({ domus, baseUrl } = await startServedDomus());
    workDir = await mkdtemp(path.join(tmpdir(), 'domus-browser-'));
  }, 180_000);

  afterAll(async () => {
    await domus?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('signs up, creates and publishes a listing with a photo, and finds it in search', async () => {
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.setDefaultTimeout(20_000);

      await page.goto(`${baseUrl}/signup`);
      await page.getByTestId('signup-display-name').fill('Browser Agent');
      await page.getByTestId('signup-email').fill('browser.agent@example.test');
      await page.getByTestId('signup-password').fill('a strong browser password');
      await page.getByTestId('signup-submit').click();
      await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('Browser Agent');

      await page.goto(`${baseUrl}/workspace`);
      await page.getByTestId('org-name').fill('Canal Side Estates');
      await page.getByTestId('org-submit').click();
      await page.getByTestId('new-listing-button').click();

      const title = `Light-filled canal apartment ${Date.now()}`;
      await page.getByTestId('property-address').fill('Prinsengracht 263');
      await page.getByTestId('property-postal-code').fill('1016 GV');
      await page.getByTestId('property-city').fill('Amsterdam');
      await page.getByTestId('property-country').selectOption('NL');
      await page.getByTestId('property-type').selectOption('apartment');
      await page.getByTestId('property-latitude').fill('52.3752');
      await page.getByTestId('property-longitude').fill('4.8840');
      await page.getByTestId('property-living-area').fill('84');
      await page.getByTestId('property-bedrooms').fill('2');
      await page.getByTestId('listing-title').fill(title);
      await page.getByTestId('listing-description').fill('Two bedrooms on the canal, renovated kitchen, morning light.');
      await page.getByTestId('listing-price').fill('650000');
      await page.getByTestId('create-listing-submit').click();
      await page.waitForURL(/\/workspace\/listings\/[0-9a-f-]{36}$/);
      const listingId = page.url().split('/').pop() as string;

      const photo = path.join(workDir, 'facade.png');
      await writeFile(
        photo,
        await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 180, g: 120, b: 90 } } }).png().toBuffer(),
      );
      await page.getByTestId('photo-input').setInputFiles(photo);
      await expect.poll(() => page.getByTestId('photo-item').count()).toBe(1);

      await page.getByTestId('status-action-active').click();
      await page.locator('[data-testid=status-panel] [data-status=active]').waitFor();

      await page.goto(`${baseUrl}/`);
      await page.getByTestId('search-query').fill(title);
      await page.getByTestId('search-submit').click();
      const card = page.locator(`[data-testid=listing-card][data-listing-id="${listingId}"]`);
      await card.waitFor();
      expect(await card.textContent()).toContain(title);
      const thumbnail = card.locator('img').first();
      await expect.poll(() => thumbnail.evaluate((image) => (image as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

      await card.locator('a').first().click();
      await page.getByTestId('listing-page').waitFor();
      expect(await page.getByTestId('listing-title').textContent()).toContain(title);
      expect(pageErrors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 120_000);
});
