import { Canvas } from "./raster/canvas.ts";
import { deriveSeed, Rng } from "../src/rng.ts";

/** Side of the square images unless a caller asks otherwise (the VTHR ViT uses 32 with patch 8). */
export const DEFAULT_IMAGE_SIZE = 32;

/**
 * A batch of images in NCHW layout: `images[((n·3 + c)·size + y)·size + x]`, values in
 * [−1, 1] (pixels in [0, 1] normalised with mean 0.5, std 0.5 for every channel).
 */
export interface ImageBatch {
  readonly images: Float32Array;
  /** Class index per image, in [0, numClasses). */
  readonly labels: Int32Array;
  readonly count: number;
  readonly channels: 3;
  readonly size: number;
}

/** A procedurally generated classification task with its own label space (VTAB-like). */
export interface ImageTask {
  /** kebab-case id, also the file name under datasets/tasks/. */
  readonly name: string;
  readonly numClasses: number;
  /** Human-readable name of each class, `classNames.length === numClasses`. */
  readonly classNames: readonly string[];
  /** One line: what the label means and what makes the task hard. */
  readonly summary: string;
  /**
   * `count` images from `seed`. Image i depends only on (seed, name, i, imageSize), so
   * a longer request extends a shorter one. Labels are balanced: every consecutive
   * block of `numClasses` images holds each class once, in a seeded order.
   */
  generate(seed: number, count: number, imageSize?: number): ImageBatch;
}

/** An ImageTask that also exposes the generation metadata behind each image, for oracles. */
export interface SceneTask<Scene> extends ImageTask {
  /** The labels and scenes `generate(seed, count, imageSize)` renders, without rendering. */
  scenes(seed: number, count: number, imageSize?: number): { labels: Int32Array; scenes: Scene[] };
  /** Render one scene into a fresh canvas exactly as `generate` does (pixels in [0, 1], unclamped). */
  render(seed: number, index: number, imageSize?: number): { canvas: Canvas; scene: Scene; label: number };
}

/** What a task file supplies: how to sample a scene for a label, and how to draw it. */
export interface TaskRecipe<Scene> {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly summary: string;
  /** A scene whose true label is `label`, in pixel units for an image of side `size`. */
  sampleScene(rng: Rng, label: number, size: number): Scene;
  /**
   * Draw the scene (background, objects, distractors, noise); `rng` continues the image's
   * stream. The canvas is reused between images, so this must paint every pixel.
   */
  renderScene(canvas: Canvas, scene: Scene, rng: Rng): void;
}

/** Turn a recipe into a task with balanced labels and per-image seed streams. */
export function defineImageTask<Scene>(recipe: TaskRecipe<Scene>): SceneTask<Scene> {
  const numClasses = recipe.classNames.length;

  const labelsFor = (seed: number, count: number): Int32Array => {
    const labels = new Int32Array(count);
    for (let block = 0; block * numClasses < count; block++) {
      const order = new Rng(deriveSeed(seed, recipe.name, "labels", block)).permutation(numClasses);
      for (let k = 0; k < numClasses && block * numClasses + k < count; k++) labels[block * numClasses + k] = order[k] as number;
    }
    return labels;
  };

  const sampleOne = (seed: number, index: number, label: number, size: number): { rng: Rng; scene: Scene } => {
    const rng = new Rng(deriveSeed(seed, recipe.name, index));
    return { rng, scene: recipe.sampleScene(rng, label, size) };
  };

  return {
    name: recipe.name,
    numClasses,
    classNames: recipe.classNames,
    summary: recipe.summary,
    generate(seed, count, imageSize = DEFAULT_IMAGE_SIZE) {
      const labels = labelsFor(seed, count);
      const canvas = new Canvas(imageSize);
      const stride = 3 * imageSize * imageSize;
      const images = new Float32Array(count * stride);
      for (let i = 0; i < count; i++) {
        const { rng, scene } = sampleOne(seed, i, labels[i] as number, imageSize);
        recipe.renderScene(canvas, scene, rng);
        canvas.writeNormalised(images, i * stride);
      }
      return { images, labels, count, channels: 3, size: imageSize };
    },
    scenes(seed, count, imageSize = DEFAULT_IMAGE_SIZE) {
      const labels = labelsFor(seed, count);
      const scenes: Scene[] = [];
      for (let i = 0; i < count; i++) scenes.push(sampleOne(seed, i, labels[i] as number, imageSize).scene);
      return { labels, scenes };
    },
    render(seed, index, imageSize = DEFAULT_IMAGE_SIZE) {
      const label = labelsFor(seed, index + 1)[index] as number;
      const canvas = new Canvas(imageSize);
      const { rng, scene } = sampleOne(seed, index, label, imageSize);
      recipe.renderScene(canvas, scene, rng);
      return { canvas, scene, label };
    },
  };
}
