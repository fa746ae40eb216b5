/** The experiment harness's shared machinery: cached artefacts, atomic writes; progress and formatting re-exported from src/ui. */
export {
  ArtifactStore,
  ARTIFACT_RECORD,
  SHORT_KEY_LENGTH,
  consoleArtifactEffects,
  type Artifact,
  type ArtifactEffects,
  type ArtifactOptions,
} from "./artifact-store.ts";
export { canonicalJson, configKey } from "./config-key.ts";
export {
  defaultProgress,
  describeFinish,
  describeProgress,
  lineProgress,
  recordingProgress,
  silentProgress,
  terminalProgress,
  type Progress,
  type ProgressState,
  type ProgressTask,
} from "../ui/progress.ts";
export { writeFileAtomic } from "../io/write-file-atomic.ts";
export { formatBytes, formatDuration } from "../ui/format-units.ts";
