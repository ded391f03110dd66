import { useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorState, Spinner } from '../../components/ui';
import { useAsync } from '../../lib/useAsync';
import { placeLabel, riskApi, type Device } from './riskApi';

const dateTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * "Devices and sessions" on the security settings page: every browser or app the user signed in
 * from, with last use and place, its sessions, and a revoke button (which ends its sessions).
 */
export function DevicesSection() {
  const devices = useAsync((signal) => riskApi.devices(signal), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);

  async function act(key: string, work: () => Promise<unknown>) {
    setBusy(key);
    setFailure(null);
    try {
      await work();
      devices.reload();
    } catch (error) {
      setFailure(toApiError(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="devices-heading" data-testid="devices-section">
      <h2 id="devices-heading">Devices and sessions</h2>
      <p className="muted">Every browser or app you signed in from. Revoke one you do not recognise: its sessions end at once and it must log in again.</p>
      {devices.status === 'loading' && !devices.data && <Spinner label="Loading your devices" />}
      {devices.status === 'error' && <ErrorState title="We couldn’t load your devices" error={devices.error} onRetry={devices.reload} />}
      {failure && <p className="form-error" role="alert">{failure.userMessage}</p>}
      {devices.data && (
        <ul className="device-list">
          {devices.data.items.map((device: Device) => (
            <li key={device.id} className="device" data-testid="device">
              <div className="device-head">
                <strong>{device.label}</strong>
                {device.current && <span className="badge" data-testid="current-device">This device</span>}
              </div>
              <p className="muted">
                Last used {dateTime(device.lastSeenAt)} · {placeLabel(device.lastPlace)}
                {device.timezone ? ` · ${device.timezone}` : ''}
                {device.screen ? ` · ${device.screen}` : ''}
              </p>
              {device.sessions.length > 0 && (
                <ul className="session-list">
                  {device.sessions.map((session) => (
                    <li key={session.id}>
                      Session since {dateTime(session.createdAt)}
                      {session.current ? ' (this one)' : ''}
                      {!session.current && (
                        <button
                          type="button"
                          className="button button-link"
                          disabled={busy !== null}
                          onClick={() => void act(session.id, () => riskApi.endSession(session.id))}
                        >
                          End session
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              {!device.current && (
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={busy !== null}
                  data-testid="revoke-device"
                  onClick={() => void act(device.id, () => riskApi.revokeDevice(device.id))}
                >
                  {busy === device.id ? 'Revoking…' : 'Revoke device'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
