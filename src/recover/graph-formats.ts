/** The formats a recovered graph is written in (format.ts renders them), apart so the command line's first reading (src/cli/recover-flags.ts) knows them without loading the renderers. */

/** The formats `--format` accepts. */
export type GraphFormat = "json" | "mermaid" | "dot" | "newick" | "hf";

/** Every format, in the order `--help` lists them. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ["json", "mermaid", "dot", "newick", "hf"];
