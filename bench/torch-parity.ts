/**
 * The PyTorch side of the parity benches (train-vit-parity.ts, train-llama-parity.ts): the
 * script reads the checkpoint and inputs in `folder` with Debian's python3-torch and prints its
 * logits as JSON; they are compared with the ONNX graph's on the same inputs.
 */
import { spawnSync } from "node:child_process";

/** Runs `script --parity folder`, prints `what`'s max |ONNX − PyTorch| and whether it is below `tolerance` (absolute, in logits). */
export function compareWithTorch(script: string, folder: string, onnx: Float32Array, what: string, tolerance: number): void {
  const run = spawnSync("/usr/bin/python3", [script, "--parity", folder], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`PyTorch side failed (is python3-torch installed?): ${run.stderr.slice(-400)}`);
  const torch = JSON.parse(run.stdout) as number[];
  const maxDiff = Math.max(...torch.map((value, i) => Math.abs(value - onnx[i]!)));
  const maxLogit = Math.max(...torch.map(Math.abs));
  console.log(`${what}: max |diff| ${maxDiff.toExponential(2)} (max |logit| ${maxLogit.toFixed(3)}) → ${maxDiff < tolerance ? "match" : "MISMATCH"}`);
}
