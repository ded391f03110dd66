import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { DealEvent } from './deals.schema';

/** Every event type of deal_events, each published on the bus under its own name after commit. */
export const dealEventNames = ['deal.opened', 'offer.submitted', 'offer.countered', 'offer.accepted', 'offer.rejected', 'offer.withdrawn', 'offer.expired'] as const;
export type DealEventName = (typeof dealEventNames)[number];

/** One appended history entry of a deal, as GET /deals/:id/events shows it. */
export interface DealEventPublished {
  dealId: string;
  event: DealEvent;
}

/** Once per committed change of a deal: the last history sequence it reached. */
export interface DealChangedEvent {
  dealId: string;
  lastSequence: number;
}

declare module '../../platform/events' {
  interface DomusEvents {
    'deal.opened': DealEventPublished;
    'offer.submitted': DealEventPublished;
    'offer.countered': DealEventPublished;
    'offer.accepted': DealEventPublished;
    'offer.rejected': DealEventPublished;
    'offer.withdrawn': DealEventPublished;
    'offer.expired': DealEventPublished;
    'deal.changed': DealChangedEvent;
  }
}

function isDealEventName(type: string): type is DealEventName {
  return (dealEventNames as readonly string[]).includes(type);
}

/** Publishes committed events in history order, then one deal.changed per deal. */
export async function publishDealEvents(bus: EventBus, logger: Logger, appended: DealEventPublished[]): Promise<void> {
  const last = new Map<string, number>();
  try {
    for (const item of appended) {
      if (isDealEventName(item.event.type)) await bus.publish(item.event.type, item);
      last.set(item.dealId, Math.max(last.get(item.dealId) ?? 0, item.event.sequence));
    }
    for (const [dealId, lastSequence] of last) await bus.publish('deal.changed', { dealId, lastSequence });
  } catch (error) {
    logger.warn({ err: error }, 'could not publish deal events; clients catch up from the history');
  }
}
