import path from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, startServedDomus, warnIfNoChromium } from '../support/browser';
import type { TestDomus } from '../support/harness';

warnIfNoChromium();
let domus: TestDomus;
let baseUrl: string;

describe.skipIf(!hasChromium)('security settings in Chromium', () => {
  beforeAll(async () => {
    ({ domus, baseUrl } = await startServedDomus());
  }, 180_000);

  afterAll(async () => {
    await domus?.close();
  });

  it('enrols an authenticator app from the QR page (after the step-up prompt), logs in with a recovery code, then changes the password', async () => {
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const page = await (await browser.newContext({ viewport: { width: 1200, height: 1000 } })).newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.setDefaultTimeout(20_000);
      const password = 'a strong browser password';

      await page.goto(`${baseUrl}/signup`);
      await page.getByTestId('signup-display-name').fill('Security Person');
      await page.getByTestId('signup-email').fill('security.person@example.test');
      await page.getByTestId('signup-password').fill(password);
      await page.getByTestId('signup-submit').click();
      await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('Security Person');

      await page.getByTestId('nav-security').click();
      await page.getByTestId('totp-start').click();
      // Fresh authentication first: the prompt asks for the password (no factor yet).
      await page.getByTestId('step-up-input').fill(password);
      await page.getByTestId('step-up-submit').click();
      await page.getByTestId('totp-qr').waitFor();
      expect(await page.getByTestId('totp-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
      await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR ?? '/tmp', 'domus-security-totp.png') });
      // The code for the server's clock: it is a manual clock started at the real time and does not
      // advance, so a code from Date.now() drifts out of the accepted window when the run is slow.
      await page.getByTestId('totp-code').fill(await generate({ secret, epoch: Math.floor(domus.clock.now().getTime() / 1000) }));
      await page.getByTestId('totp-confirm').click();

      await page.getByTestId('recovery-codes').waitFor();
      const codes = await page.getByTestId('recovery-code').allTextContents();
      expect(codes).toHaveLength(10);
      await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR ?? '/tmp', 'domus-security-codes.png') });
      await page.getByTestId('recovery-done').click();
      await expect.poll(() => page.getByTestId('mfa-factor').count()).toBe(1);

      // Log out, then log in with the password up to the second-factor step.
      const logOutAndIn = async (secret: string) => {
        await page.getByTestId('logout-button').click();
        await page.goto(`${baseUrl}/login`);
        await page.getByTestId('login-email').fill('security.person@example.test');
        await page.getByTestId('login-password').fill(secret);
        await page.getByTestId('login-submit').click();
        await page.getByTestId('mfa-step').waitFor();
      };
      await logOutAndIn(password);
      await page.getByTestId('mfa-switch').click();
      await page.getByTestId('mfa-code').fill(codes[0] as string);
      await page.getByTestId('mfa-submit').click();
      await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('Security Person');

      // Change the password: a wrong current one is named on its field, then the change goes through.
      await page.getByTestId('nav-security').click();
      const newPassword = 'an even stronger browser passphrase';
      await page.getByTestId('password-current').fill('not the password at all');
      await page.getByTestId('password-new').fill(newPassword);
      await page.getByTestId('password-submit').click();
      await expect.poll(() => page.getByTestId('password-section').textContent()).toContain('is wrong');
      await page.getByTestId('password-current').fill(password);
      await page.getByTestId('password-submit').click();
      await expect.poll(() => page.getByTestId('password-changed').textContent()).toContain('Password changed');
      await logOutAndIn(newPassword);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
