/** Report pages built from saved artefacts: figure builders, SVG rendering, HTML pages, index, terminal tables, browser check. */
export { accuracyHeatTable, type AccuracyCell } from "./figures/accuracy-heat-table.ts";
export { distanceScatter, type DistancePoint } from "./figures/distance-scatter.ts";
export { lineWithBand, type BandPoint, type ReferencePoint } from "./figures/line-with-band.ts";
export { seriesOverSteps, type StepPoint } from "./figures/series-over-steps.ts";
export { treeComparisonFigure, type TreeComparisonInput } from "./figures/tree-comparison.ts";
export { layeredTreeLayout, type PlacedNode, type TreeEdge } from "./tree-layout.ts";
export { compileSpec, type CompiledSpec } from "./compile-spec.ts";
export { renderSvg } from "./render-svg.ts";
export type { PaperComparison, ReportFigure, ReportPage, ReportTable } from "./report-page.ts";
export { writeReportPage, consoleReportEffects, type ReportEffects } from "./write-report-page.ts";
export { addToReportIndex, readReportManifest, writeReportIndex, type ReportIndexEntry, type ReportManifest } from "./report-index.ts";
export { formatTable, printReportPage, printTable } from "./print-table.ts";
export { formatCell, formatColumn, type Cell } from "./format-cell.ts";
export { checkReportPagesInBrowser, CHROMIUM_ARGS, CHROMIUM_PATH, type BrowserPageCheck } from "./check-in-browser.ts";
