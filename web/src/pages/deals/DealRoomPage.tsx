import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { toApiError } from '../../api/errors';
import { useAuth } from '../../auth/AuthContext';
import { ErrorState, Spinner } from '../../components/ui';
import { formatMoney, majorToMinor } from '../../lib/money';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { RoomClient, type ConnectionState, type PresenceMember, type RoomMessage } from '../../realtime/roomClient';
import { dealsApi, type Deal, type Offer } from './dealsApi';

/** Applies the edit from `before` to `after` to a Y.Text as one splice, so concurrent edits merge. */
function splice(text: Y.Text, after: string): void {
  const before = text.toString();
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start += 1;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end += 1;
  text.doc!.transact(() => {
    text.delete(start, before.length - start - end);
    text.insert(start, after.slice(start, after.length - end));
  });
}

export function DealRoomPage() {
  const { id = '' } = useParams();
  useDocumentTitle('Deal room');
  const { auth } = useAuth();
  const deal = useAsync((signal) => dealsApi.get(id, signal), [id]);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [documentState, setDocumentState] = useState('connecting');
  const [members, setMembers] = useState<PresenceMember[]>([]);
  const [chat, setChat] = useState<RoomMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [notes, setNotes] = useState('');
  const [terms, setTerms] = useState<{ amount?: string; closingDate?: string }>({});
  const [actionError, setActionError] = useState<string | null>(null);
  const client = useRef<RoomClient | null>(null);
  const room = `deal:${id}`;
  const reload = deal.reload;

  useEffect(() => {
    const roomClient = new RoomClient(setConnection);
    client.current = roomClient;
    const leave = roomClient.join(room, {
      onMessage: (message) => {
        if (message.kind === 'chat') setChat((previous) => [...previous, message].slice(-200));
        if (message.kind === 'deal.event') reload();
      },
      onPresence: setMembers,
      onError: (error) => setActionError(`${error.code}: ${error.message}`),
    }, { view: 'room' });
    return () => {
      leave();
      roomClient.close();
    };
  }, [room, reload]);

  const doc = useMemo(() => new Y.Doc(), [id]);
  useEffect(() => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime/yjs`;
    const provider = new WebsocketProvider(url, id, doc);
    provider.on('status', (event: { status: string }) => setDocumentState(event.status));
    const text = doc.getText('notes');
    const map = doc.getMap<string>('terms');
    const sync = () => {
      setNotes(text.toString());
      setTerms(map.toJSON() as { amount?: string; closingDate?: string });
    };
    doc.on('update', sync);
    sync();
    return () => {
      doc.off('update', sync);
      provider.destroy();
    };
  }, [doc, id]);

  if (auth.status === 'signedOut') return <div className="page-narrow"><Link to={`/login?next=%2Fdeals%2F${id}`}>Log in</Link> to open this deal room.</div>;
  if (deal.status === 'error' && !deal.data) return <div className="page-narrow"><ErrorState error={deal.error} onRetry={deal.reload} /></div>;
  if (!deal.data) return <div className="page-center"><Spinner label="Loading the deal" /></div>;
  const current = deal.data;
  const live = current.offers.find((offer) => offer.status === 'submitted');
  const mine = live && live.side === current.yourSide;

  const act = async (offer: Offer, action: 'accept' | 'reject' | 'withdraw') => {
    setActionError(null);
    try {
      deal.setData(await dealsApi.act(current.id, offer.id, action, current.version));
    } catch (error) {
      setActionError(toApiError(error).userMessage);
      deal.reload();
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setActionError(null);
    const amountMinor = majorToMinor(terms.amount ?? '', current.currency);
    if (amountMinor === null || !terms.closingDate) return setActionError('Fill in the amount and the closing date in the offer document first.');
    try {
      deal.setData(await dealsApi.offer(current.id, {
        expectedVersion: current.version,
        amount: { amountMinor, currency: current.currency },
        conditions: { financing: true, inspection: true, closingDate: terms.closingDate, notes: notes.slice(0, 2000) },
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      }));
    } catch (error) {
      setActionError(toApiError(error).userMessage);
      deal.reload();
    }
  };
  const sendChat = (event: FormEvent) => {
    event.preventDefault();
    if (!draft.trim()) return;
    client.current?.say(room, draft.trim());
    setDraft('');
    client.current?.presence(room, { view: 'room', typing: false });
  };

  return (
    <div className="page deal-room" data-testid="deal-room" data-deal-id={current.id}>
      <div className="deal-room-header">
        <h1 className="page-title">Deal room</h1>
        <span className={`connection connection-${connection}`} data-testid="connection-state" data-state={connection}>
          {connection === 'open' ? 'Live' : connection === 'reconnecting' ? 'Reconnecting…' : connection === 'ended' ? 'Your session ended: log in again' : connection}
        </span>
        <span className="muted" data-testid="document-state" data-state={documentState}>document: {documentState}</span>
        <span className={`badge badge-${current.status === 'accepted' ? 'sold' : 'active'}`} data-testid="deal-status">{current.status}</span>
      </div>
      {actionError && <p className="form-error" role="alert" data-testid="deal-action-error">{actionError}</p>}
      <div className="deal-room-grid">
        <section aria-label="Participants" data-testid="participants">
          <h2>Here now</h2>
          <ul>
            {members.map((member) => (
              <li key={member.connectionId} data-testid="participant" data-user-id={member.userId}>
                {member.name}
                {member.state.typing && <span className="muted" data-testid="participant-typing"> typing…</span>}
                {member.state.cursor && <span className="muted"> · in {member.state.cursor}</span>}
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Offer document" data-testid="offer-document">
          <h2>Offer document</h2>
          <p className="muted">Shared with everyone in the deal; edits appear live. Submitting still goes through the offer workflow.</p>
          <label>
            Amount ({current.currency})
            <input data-testid="doc-amount" value={terms.amount ?? ''} onFocus={() => client.current?.presence(room, { view: 'room', cursor: 'amount' })}
              onChange={(event) => doc.getMap<string>('terms').set('amount', event.target.value)} />
          </label>
          <label>
            Closing date
            <input type="date" data-testid="doc-closing-date" value={terms.closingDate ?? ''} onChange={(event) => doc.getMap<string>('terms').set('closingDate', event.target.value)} />
          </label>
          <label>
            Notes
            <textarea data-testid="doc-notes" rows={6} value={notes} onFocus={() => client.current?.presence(room, { view: 'room', cursor: 'notes' })}
              onChange={(event) => splice(doc.getText('notes'), event.target.value)} />
          </label>
          {current.status === 'open' && !mine && (current.yourSide === 'buyer' || live) && (
            <button type="button" className="button button-primary" data-testid="submit-offer" onClick={submit}>
              {live ? 'Counter with these terms' : 'Submit offer with these terms'}
            </button>
          )}
        </section>
        <section aria-label="Offer timeline" data-testid="offer-timeline">
          <h2>Offers</h2>
          <ol>
            {current.offers.map((offer) => (
              <li key={offer.id} data-testid="offer-item" data-status={offer.status} data-offer-id={offer.id}>
                #{offer.number} {offer.side}: {formatMoney(offer.amount)} — closing {offer.conditions.closingDate} — <strong>{offer.status}</strong>
                {offer.status === 'submitted' && offer.side !== current.yourSide && (
                  <>
                    {' '}<button type="button" className="button button-small button-primary" data-testid="accept-offer" onClick={() => act(offer, 'accept')}>Accept</button>
                    {' '}<button type="button" className="button button-small button-secondary" data-testid="reject-offer" onClick={() => act(offer, 'reject')}>Reject</button>
                  </>
                )}
                {offer.status === 'submitted' && offer.side === current.yourSide && (
                  <>{' '}<button type="button" className="button button-small button-ghost" data-testid="withdraw-offer" onClick={() => act(offer, 'withdraw')}>Withdraw</button></>
                )}
              </li>
            ))}
          </ol>
        </section>
        <section aria-label="Chat" data-testid="chat">
          <h2>Chat</h2>
          <ul className="chat-log">
            {chat.map((message) => (
              <li key={message.seq} data-testid="chat-message" data-seq={message.seq}>
                <strong>{String(message.body.name ?? 'someone')}</strong>: {String(message.body.text)}
              </li>
            ))}
          </ul>
          <form onSubmit={sendChat}>
            <input data-testid="chat-input" aria-label="Message" value={draft} maxLength={4000}
              onChange={(event) => {
                setDraft(event.target.value);
                client.current?.presence(room, { view: 'room', typing: event.target.value.length > 0 });
              }} />
            <button type="submit" className="button button-secondary" data-testid="chat-send">Send</button>
          </form>
        </section>
      </div>
    </div>
  );
}

export type { Deal };
