/**
 * A family as users download it: one folder per model, named by its release id, each a
 * Hugging Face checkpoint (model.safetensors + config.json). The folders are relative
 * symlinks to the trained artefacts, so nothing is copied and `mother recover <folder>`
 * sees exactly the bytes the experiment recovered.
 */
import { symlink } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { ArtifactStore } from "../artifact-store.ts";

/** Artefact kind of a release folder (keyed by the ids and the artefact keys it links). */
export const RELEASE_ARTIFACT_KIND = "release";

/**
 * Returns `<cache>/release/<key>`, a folder holding `<id>` → model artefact for every entry
 * (built once; a rerun with the same models finds it).
 */
export async function releaseFolder(store: ArtifactStore, family: string, models: ReadonlyMap<string, { key: string; path: string }>): Promise<string> {
  const entries = [...models].map(([id, artifact]) => ({ id, key: artifact.key }));
  const release = await store.get(
    RELEASE_ARTIFACT_KIND,
    { family, models: entries },
    async (folder) => {
      // The temp folder and the final one are siblings, so one relative target serves both.
      for (const [id, artifact] of models) await symlink(relative(folder, resolve(artifact.path)), join(folder, id), "dir");
    },
    { label: family },
  );
  return release.path;
}
