/**
 * The one place the importer names the listings module's bulk-import contract, so that the
 * importer follows the module's public API (its index.ts) from a single line.
 */
export type {
  BulkImportResult,
  EnergyLabel,
  ImportRecord,
  ListingKind,
  ListingStatus,
  PropertyInput,
  PropertyType,
} from '../listings';
