/** Learning-rate schedules, computed in TypeScript and fed to the step graph as the `lr` input. */

/** Linear warmup from 0 to `peak` over `warmupSteps`, then cosine decay to `floor` at `totalSteps`. */
export interface WarmupCosineSchedule {
  readonly peak: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** Final learning rate (default 0). */
  readonly floor?: number;
}

/** Learning rate for 1-based `step` (the step about to be taken); `floor` from `totalSteps` on. */
export function learningRate({ peak, warmupSteps, totalSteps, floor = 0 }: WarmupCosineSchedule, step: number): number {
  if (warmupSteps > 0 && step <= warmupSteps) return (peak * step) / warmupSteps;
  if (step >= totalSteps) return floor;
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}
