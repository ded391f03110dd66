import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../platform/db';

export interface IndexedEvent {
  blockNumber: bigint;
  logIndex: number;
  blockHash: string;
  txHash: string;
  contract: string;
  kind: string;
  event: string;
  args: Record<string, unknown>;
  blockTime: Date;
}

export interface BlockHeader {
  number: bigint;
  hash: string;
  parentHash: string;
  timestamp: Date;
}

export interface WatchedContract {
  address: string;
  kind: string;
  deployedBlock: bigint;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const jsonArgs = (args: Record<string, unknown>) => JSON.stringify(args, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
const text = (value: unknown) => String(value);

/**
 * All SQL of the indexer. Everything for one batch of blocks runs in one transaction, so the
 * cursor never moves past events that were not written, and a rollback removes every row above
 * the fork point at once.
 */
export class IndexerRepository {
  private readonly db: AnyDb;
  constructor(database: Database) {
    this.db = database as unknown as AnyDb;
  }

  transaction<T>(work: (trx: AnyDb) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  async cursor(chainId: number, executor: AnyDb = this.db): Promise<{ number: bigint; hash: string } | null> {
    const result = await sql<{ block_number: string; block_hash: string }>`
      SELECT block_number::text AS block_number, block_hash FROM chain_cursors WHERE chain_id = ${chainId}`.execute(executor);
    const row = result.rows[0];
    return row ? { number: BigInt(row.block_number), hash: row.block_hash } : null;
  }

  async setCursor(executor: AnyDb, chainId: number, number: bigint, hash: string, now: Date): Promise<void> {
    await sql`INSERT INTO chain_cursors (chain_id, block_number, block_hash, updated_at)
      VALUES (${chainId}, ${number.toString()}, ${hash}, ${now})
      ON CONFLICT (chain_id) DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, updated_at = EXCLUDED.updated_at`.execute(executor);
  }

  async contracts(chainId: number, executor: AnyDb = this.db): Promise<WatchedContract[]> {
    const result = await sql<{ address: string; kind: string; deployed_block: string }>`
      SELECT address, kind, deployed_block::text AS deployed_block FROM token_contracts WHERE chain_id = ${chainId}`.execute(executor);
    return result.rows.map((row) => ({ address: row.address, kind: row.kind, deployedBlock: BigInt(row.deployed_block) }));
  }

  async addContract(executor: AnyDb, chainId: number, contract: WatchedContract): Promise<void> {
    await sql`INSERT INTO token_contracts (chain_id, address, kind, deployed_block)
      VALUES (${chainId}, ${contract.address}, ${contract.kind}, ${contract.deployedBlock.toString()})
      ON CONFLICT DO NOTHING`.execute(executor);
  }

  /** Stored block hashes at or below `number`, newest first. */
  async storedBlocks(chainId: number, atOrBelow: bigint, limit: number): Promise<{ number: bigint; hash: string }[]> {
    const result = await sql<{ number: string; hash: string }>`
      SELECT number::text AS number, hash FROM chain_blocks WHERE chain_id = ${chainId} AND number <= ${atOrBelow.toString()}
      ORDER BY number DESC LIMIT ${limit}`.execute(this.db);
    return result.rows.map((row) => ({ number: BigInt(row.number), hash: row.hash }));
  }

  async saveBlocks(executor: AnyDb, chainId: number, blocks: BlockHeader[], keepAbove: bigint): Promise<void> {
    for (const block of blocks) {
      await sql`INSERT INTO chain_blocks (chain_id, number, hash, parent_hash, timestamp)
        VALUES (${chainId}, ${block.number.toString()}, ${block.hash}, ${block.parentHash}, ${block.timestamp})
        ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp`.execute(executor);
    }
    await sql`DELETE FROM chain_blocks WHERE chain_id = ${chainId} AND number < ${keepAbove.toString()}`.execute(executor);
  }

  async insertEvent(executor: AnyDb, chainId: number, event: IndexedEvent): Promise<boolean> {
    const result = await sql`INSERT INTO token_events (chain_id, block_number, log_index, block_hash, tx_hash, contract, kind, event, args, block_time)
      VALUES (${chainId}, ${event.blockNumber.toString()}, ${event.logIndex}, ${event.blockHash}, ${event.txHash}, ${event.contract}, ${event.kind},
              ${event.event}, ${jsonArgs(event.args)}::jsonb, ${event.blockTime})
      ON CONFLICT DO NOTHING`.execute(executor);
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  /** The event's rows in the projection tables (transfers and holdings, deposits, claims, purchases, orders). */
  async project(executor: AnyDb, chainId: number, event: IndexedEvent): Promise<void> {
    const { args } = event;
    const key = [chainId, event.blockNumber.toString(), event.logIndex, event.txHash] as const;
    if (event.kind === 'shares' && event.event === 'Transfer') {
      const from = text(args.from);
      const to = text(args.to);
      const amount = text(args.value);
      await sql`INSERT INTO token_transfers (chain_id, block_number, log_index, tx_hash, token, from_address, to_address, amount, block_time)
        VALUES (${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}, ${event.contract}, ${from}, ${to}, ${amount}, ${event.blockTime})`.execute(executor);
      const zero = '0x0000000000000000000000000000000000000000';
      if (from !== zero) await this.addHolding(executor, chainId, event.contract, from, `-${amount}`);
      if (to !== zero) await this.addHolding(executor, chainId, event.contract, to, amount);
    } else if (event.kind === 'distributor' && event.event === 'RentDeposited') {
      await sql`INSERT INTO rent_deposits (chain_id, block_number, log_index, tx_hash, distributor, depositor, amount, eligible_supply, block_time)
        VALUES (${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}, ${event.contract}, ${text(args.depositor)}, ${text(args.amount)}, ${text(args.eligibleSupply)}, ${event.blockTime})`.execute(executor);
    } else if (event.kind === 'distributor' && event.event === 'RentClaimed') {
      await sql`INSERT INTO rent_claims (chain_id, block_number, log_index, tx_hash, distributor, holder, recipient, amount, block_time)
        VALUES (${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}, ${event.contract}, ${text(args.holder)}, ${text(args.recipient)}, ${text(args.amount)}, ${event.blockTime})`.execute(executor);
    } else if (event.kind === 'offering' && event.event === 'SharesPurchased') {
      await sql`INSERT INTO offering_purchases (chain_id, block_number, log_index, tx_hash, offering, investor, shares, cost, block_time)
        VALUES (${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}, ${event.contract}, ${text(args.investor)}, ${text(args.shares)}, ${text(args.cost)}, ${event.blockTime})`.execute(executor);
    } else if (event.kind === 'market' && event.event === 'OrderPlaced') {
      await sql`INSERT INTO market_orders (chain_id, market, order_id, maker, sell, amount, remaining, price, status, placed_block, tx_hash)
        VALUES (${chainId}, ${event.contract}, ${text(args.orderId)}, ${text(args.maker)}, ${Boolean(args.sell)}, ${text(args.amount)}, ${text(args.amount)},
                ${text(args.price)}, 'open', ${key[1]}, ${key[3]})`.execute(executor);
    } else if (event.kind === 'market' && event.event === 'OrderFilled') {
      await sql`INSERT INTO market_fills (chain_id, block_number, log_index, tx_hash, market, order_id, seller, buyer, amount, payment, block_time)
        VALUES (${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}, ${event.contract}, ${text(args.orderId)}, ${text(args.seller)}, ${text(args.buyer)},
                ${text(args.amount)}, ${text(args.payment)}, ${event.blockTime})`.execute(executor);
      await sql`UPDATE market_orders SET remaining = remaining - ${text(args.amount)}::numeric,
          status = CASE WHEN remaining - ${text(args.amount)}::numeric = 0 THEN 'filled' ELSE status END
        WHERE chain_id = ${chainId} AND market = ${event.contract} AND order_id = ${text(args.orderId)}`.execute(executor);
    } else if (event.kind === 'market' && event.event === 'OrderCancelled') {
      await sql`UPDATE market_orders SET status = 'cancelled'
        WHERE chain_id = ${chainId} AND market = ${event.contract} AND order_id = ${text(args.orderId)}`.execute(executor);
    }
  }

  private async addHolding(executor: AnyDb, chainId: number, token: string, holder: string, delta: string): Promise<void> {
    await sql`INSERT INTO token_holdings (chain_id, token, holder, balance) VALUES (${chainId}, ${token}, ${holder}, ${delta}::numeric)
      ON CONFLICT (chain_id, token, holder) DO UPDATE SET balance = token_holdings.balance + EXCLUDED.balance`.execute(executor);
  }

  /**
   * Removes everything indexed above `forkPoint` and rebuilds the derived tables (holdings from
   * the remaining transfers, orders from the remaining events).
   */
  async rollback(executor: AnyDb, chainId: number, forkPoint: bigint): Promise<number> {
    const above = forkPoint.toString();
    const removed = await sql`DELETE FROM token_events WHERE chain_id = ${chainId} AND block_number > ${above}`.execute(executor);
    for (const table of ['token_transfers', 'rent_deposits', 'rent_claims', 'offering_purchases', 'market_fills', 'chain_blocks']) {
      const column = table === 'chain_blocks' ? 'number' : 'block_number';
      await sql`DELETE FROM ${sql.table(table)} WHERE chain_id = ${chainId} AND ${sql.ref(column)} > ${above}`.execute(executor);
    }
    await sql`DELETE FROM token_holdings WHERE chain_id = ${chainId}`.execute(executor);
    await sql`INSERT INTO token_holdings (chain_id, token, holder, balance)
      SELECT ${chainId}, token, holder, SUM(amount) FROM (
        SELECT token, to_address AS holder, amount FROM token_transfers WHERE chain_id = ${chainId} AND to_address <> '0x0000000000000000000000000000000000000000'
        UNION ALL
        SELECT token, from_address AS holder, -amount FROM token_transfers WHERE chain_id = ${chainId} AND from_address <> '0x0000000000000000000000000000000000000000'
      ) moves GROUP BY token, holder`.execute(executor);
    await sql`DELETE FROM market_orders WHERE chain_id = ${chainId} AND placed_block > ${above}`.execute(executor);
    await sql`UPDATE market_orders o SET
        remaining = o.amount - COALESCE((SELECT SUM(f.amount) FROM market_fills f WHERE f.chain_id = o.chain_id AND f.market = o.market AND f.order_id = o.order_id), 0),
        status = CASE
          WHEN EXISTS (SELECT 1 FROM token_events e WHERE e.chain_id = o.chain_id AND e.contract = o.market AND e.event = 'OrderCancelled'
                       AND e.args->>'orderId' = o.order_id::text) THEN 'cancelled'
          WHEN o.amount - COALESCE((SELECT SUM(f.amount) FROM market_fills f WHERE f.chain_id = o.chain_id AND f.market = o.market AND f.order_id = o.order_id), 0) = 0 THEN 'filled'
          ELSE 'open' END
      WHERE o.chain_id = ${chainId}`.execute(executor);
    return Number(removed.numAffectedRows ?? 0n);
  }
}
