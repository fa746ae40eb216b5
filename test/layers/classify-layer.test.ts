import { describe, expect, test } from "bun:test";
import { classifyLayer } from "../../src/layers/classify-layer.ts";
import {
  BERT_BASE,
  CLIP,
  DECODER_VARIANTS,
  DIFFUSERS_UNET,
  GPT2,
  HUB_DECODERS,
  LLAMA_2_7B,
  OTHER_FAMILIES,
  ROBERTA_CLASSIFIER,
  VIT_BASE,
  type NamedParameter,
} from "./real-parameter-names.ts";

const FAMILIES: Record<string, readonly NamedParameter[]> = {
  "google/vit-base-patch16-224": VIT_BASE,
  "bert-base-uncased": BERT_BASE,
  "roberta classifier head": ROBERTA_CLASSIFIER,
  "Llama-2-7b": LLAMA_2_7B,
  "Qwen/Mixtral/Meta-Llama variants": DECODER_VARIANTS,
  gpt2: GPT2,
  "clip-vit-base-patch32": CLIP,
  "diffusers UNet": DIFFUSERS_UNET,
  "t5 / pythia / timm vit / distilbert": OTHER_FAMILIES,
  "InternLM2 / Baichuan 2 / DeepSeek MLA and MoE / GPT-BigCode / Cohere / OPT": HUB_DECODERS,
};

describe("classifyLayer on real parameter names", () => {
  for (const [family, parameters] of Object.entries(FAMILIES)) {
    test(`${family}: every parameter gets its role`, () => {
      const got = parameters.map(([name, shape]) => [name, classifyLayer(name, shape)]);
      expect(got).toEqual(parameters.map(([name, , kind]) => [name, kind]));
    });
  }

  test("a bare `output.weight` is a head only as a matrix", () => {
    expect(classifyLayer("output.weight", [32000, 4096])).toBe("head");
    expect(classifyLayer("output.weight", [4096])).toBe("other");
    // Answers are remembered by name and dimensionality: asked again, in either order, they stay.
    for (let round = 0; round < 3; round++) {
      expect(classifyLayer("output.weight", [4096])).toBe("other");
      expect(classifyLayer("output.weight", [8, 4096])).toBe("head");
    }
  });

  test("unknown conventions fall back to other", () => {
    expect(classifyLayer("backbone.stage2.mixer.weird_matrix.weight", [64, 64])).toBe("other");
    expect(classifyLayer("", [])).toBe("other");
  });
});
