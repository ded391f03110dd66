/**
 * What the browser tells the server about itself at sign-up and log-in (the X-Domus-Device
 * header): platform, screen, time zone and language. The server records them on the device and
 * notices when a known device cookie suddenly comes from a different kind of browser.
 */
export const deviceSignalsHeader = 'X-Domus-Device';

export function deviceSignals(): string {
  const signals: Record<string, string> = {};
  try {
    const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? navigator.platform;
    if (platform) signals.platform = platform.slice(0, 100);
    const ratio = Math.round((window.devicePixelRatio || 1) * 100) / 100;
    signals.screen = `${window.screen.width}x${window.screen.height}${ratio !== 1 ? `@${ratio}x` : ''}`;
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (timezone && /^[A-Za-z_+\-/0-9]{1,64}$/.test(timezone)) signals.timezone = timezone;
    if (navigator.language && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(navigator.language)) signals.language = navigator.language;
  } catch {
    // Signals are a hint; a browser that hides them still logs in.
  }
  if (signals.screen && !/^\d{2,5}x\d{2,5}(@\d(\.\d+)?x)?$/.test(signals.screen)) delete signals.screen;
  return JSON.stringify(signals);
}
