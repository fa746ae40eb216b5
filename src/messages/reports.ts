/** Messages of the report pages (src/report/) and the kernels' build (src/kernels/): the machine or a kept file is at fault. */
import { MotherError } from "../errors.ts";

/** No Chromium to render the pages in. */
export function chromiumMissing(executablePath: string): MotherError {
  return new MotherError(
    executablePath,
    "Chromium is not installed; report pages cannot be checked in a browser",
    { help: "apt-get install chromium" },
    "environment",
  );
}

/** A reports/manifest.json that is not one (`reason`: what parsing said). */
export function reportManifestUnreadable(path: string, reason: string): MotherError {
  return new MotherError(path, "is not a report manifest", { value: reason, help: "delete it; the next report run rebuilds it" });
}

/** The AssemblyScript compiler refused the kernels' source (`reason`: its first diagnostic). */
export function kernelsDoNotCompile(source: string, reason: string): MotherError {
  return new MotherError(source, "AssemblyScript could not compile the kernels", { value: reason }, "environment");
}
