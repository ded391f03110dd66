/**
 * Compiles contracts/src with solc-js into contracts/out/ (docs/tokenization.md, "Building").
 *
 *   npx tsx contracts/compile.ts           compile and write the artefacts
 *   npx tsx contracts/compile.ts --check   exit 1 when contracts/out/ is stale, compile nothing
 */
import { checkArtifacts, compileCommand, writeArtifacts } from './toolchain';

if (process.argv.includes('--check')) {
  const freshness = checkArtifacts();
  if (!freshness.fresh) {
    console.error(`contracts/out/ is stale (${freshness.reason}); run: ${compileCommand}`);
    process.exit(1);
  }
  console.log(`contracts/out/ is up to date (sources ${freshness.sourceHash.slice(0, 12)})`);
} else {
  const started = performance.now();
  const manifest = writeArtifacts();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `compiled ${manifest.sources.length} sources with solc ${manifest.compilerVersion} in ${seconds} s: ` +
      `${manifest.contracts.join(', ')} -> contracts/out/ (sources ${manifest.sourceHash.slice(0, 12)})`,
  );
}
