/**
 * The importer: synthetic demo data (generator, drawn photos, first-run seeding), the CSV importer
 * with its column mappings and presets, and the operator statistics the CLI prints. It writes
 * only through the identity and listings services; its one table row is the seeding marker.
 */
export { seedDemoData, type SeedOptions, type SeedProgress, type SeedResult, type SeedTarget } from './demo-data.service';
export {
  defaultDemoSeed,
  demoAgentPassword,
  demoLogin,
  generateDemoAgencies,
  generateDemoListing,
  generateDemoListings,
  type DemoAgency,
  type DemoAgent,
  type DemoListing,
} from './demo-data.generator';
export { DemoPhotoRenderer, drawFacadeSvg, renderPhoto } from './demo-photos';
export { importCsv, CsvImportError, type CsvImportOptions, type CsvImportProgress, type CsvImportSummary, type RejectedRow } from './csv-import.service';
export { MappingError, mappingTargets, parseMapping, type ColumnMapping } from './csv-import.mapping';
export { csvPresets, type CsvPreset } from './csv-import.presets';
export { slugForName } from './importer.accounts';
export { collectStats, type PlatformStats } from './importer.stats';
