import { describe, expect, test } from "bun:test";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { discoverModels, locatedFiles, locateModels, openLocatedModels } from "../../src/io/discover-models.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writeShardedSafetensors } from "../../src/io/write-sharded-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const weight = (name: string) => ({ name, dtype: "F32" as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });

async function expectMotherError(run: Promise<unknown>, path: string, problem: RegExp): Promise<void> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as Error).message).toStartWith(`${path}: `);
  expect((error as Error).message).toMatch(problem);
}

describe("discoverModels", () => {
  test("finds single files, model folders, sharded folders and folders of model folders, sorted by id", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeSafetensors(join(root, "zeta.safetensors"), [weight("w")]);
    await writeSafetensors(join(root, "alpha", "model.safetensors"), [weight("w")]);
    await writeFile(join(root, "alpha", "config.json"), "{}");
    await writeShardedSafetensors(join(root, "zoo", "sharded"), [weight("a"), weight("b"), weight("c")], 16);
    await writeSafetensors(join(root, "zoo", "plain", "model.safetensors"), [weight("w")]);
    await mkdir(join(root, "zoo", "not-a-model"));
    const models = await discoverModels([join(root, "zoo"), join(root, "zeta.safetensors"), join(root, "alpha")]);
    expect(models.map((m) => [m.id, m.path])).toEqual([
      ["alpha", join(root, "alpha")],
      ["plain", join(root, "zoo", "plain")],
      ["sharded", join(root, "zoo", "sharded")],
      ["zeta", join(root, "zeta.safetensors")],
    ]);
    const sharded = models.find((m) => m.id === "sharded")!;
    expect(sharded.tensors.map((t) => t.name)).toEqual(["a", "b", "c"]);
    expect(new Set(sharded.tensors.map((t) => t.file)).size).toBe(3);
  });

  test("openLocatedModels hands the models over batch by batch, in the order it returns them", async () => {
    const root = temporaryFolder("mother-discover-models-");
    for (let i = 0; i < 40; i++) await writeSafetensors(join(root, `m${String(i).padStart(2, "0")}`, "model.safetensors"), [weight("w")]);
    const batches: string[][] = [];
    const models = await openLocatedModels(
      await locateModels(root),
      () => {},
      (opened) => batches.push(opened.map((m) => m.id)),
    );
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(models.map((m) => m.id));
    expect(models).toHaveLength(40);
  });

  test("a model folder is opened as locateModels listed it (listed once): a file added in between is not part of the model", async () => {
    const root = temporaryFolder("mother-discover-models-");
    for (const id of ["a", "b"]) await writeSafetensors(join(root, id, "part1.safetensors"), [weight("x")]);
    for (const path of [root, join(root, "a")]) {
      const located = await locateModels(path);
      expect(located.every((location) => location.entries !== undefined)).toBe(true);
      await writeSafetensors(join(root, "a", "part2.safetensors"), [weight("y")]);
      const [first] = await openLocatedModels(located);
      expect(first!.tensors.map((t) => t.name)).toEqual(["x"]);
      // Located afresh, the folder holds both files.
      expect((await discoverModels([join(root, "a")]))[0]!.tensors.map((t) => t.name)).toEqual(["x", "y"]);
      await rm(join(root, "a", "part2.safetensors"));
    }
  });

  test("a folder of several un-indexed safetensors files forms one model", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeSafetensors(join(root, "m", "part1.safetensors"), [weight("a")]);
    await writeSafetensors(join(root, "m", "part2.safetensors"), [weight("b")]);
    const [model] = await discoverModels([join(root, "m")]);
    expect(model!.tensors.map((t) => t.name)).toEqual(["a", "b"]);
  });

  test("the same tensor in two un-indexed files is an error naming both", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeSafetensors(join(root, "m", "part1.safetensors"), [weight("a")]);
    await writeSafetensors(join(root, "m", "part2.safetensors"), [weight("a")]);
    await expectMotherError(discoverModels([join(root, "m")]), join(root, "m", "part2.safetensors"), /tensor a also appears in .*part1\.safetensors/);
  });

  test("duplicate model ids are an error naming both paths", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeSafetensors(join(root, "a", "vit.safetensors"), [weight("w")]);
    await writeSafetensors(join(root, "b", "vit.safetensors"), [weight("w")]);
    await expectMotherError(
      discoverModels([join(root, "a", "vit.safetensors"), join(root, "b", "vit.safetensors")]),
      join(root, "b", "vit.safetensors"),
      new RegExp(`duplicate model id vit, also used by ${join(root, "a", "vit.safetensors")}`),
    );
  });

  test("one model reached twice (given twice, or given and inside a folder given) is an error saying so, not a duplicate id", async () => {
    const root = temporaryFolder("mother-discover-models-");
    for (const id of ["a", "b"]) await writeSafetensors(join(root, "set", id, "model.safetensors"), [weight("w")]);
    const a = join(root, "set", "a");
    await expectMotherError(discoverModels([a, join(root, "set", "b"), a]), a, /is given twice/);
    await expectMotherError(discoverModels([join(root, "set"), `${a}/`]), `${a}/`, /is given twice/);
  });

  test("a missing path is an error naming it", async () => {
    const missing = join(temporaryFolder("mother-discover-models-"), "nowhere");
    await expectMotherError(discoverModels([missing]), missing, /cannot read path \(ENOENT\)/);
  });

  test("an empty folder, or one with no model inside, is an error", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await mkdir(join(root, "empty"));
    await expectMotherError(discoverModels([join(root, "empty")]), join(root, "empty"), /holds no \.safetensors files and no model folders/);
    await mkdir(join(root, "nested", "deeper", "too-deep"), { recursive: true });
    await writeSafetensors(join(root, "nested", "deeper", "too-deep", "model.safetensors"), [weight("w")]);
    await expectMotherError(discoverModels([join(root, "nested")]), join(root, "nested"), /no model folders/);
  });

  test("a folder of PyTorch .bin checkpoints is refused as pickle, naming a file, with the conversion to make", async () => {
    const root = temporaryFolder("mother-discover-models-");
    for (const id of ["a", "b"]) {
      await mkdir(join(root, id));
      await writeFile(join(root, id, "pytorch_model.bin"), "x");
    }
    await expectMotherError(
      discoverModels([root]),
      join(root, "a", "pytorch_model.bin"),
      new RegExp(
        "pickle checkpoint .* never loads: unpickling can run arbitrary code; " +
          "help: convert it to safetensors first: python -c .*save_file.*safe_serialization=True",
      ),
    );
  });

  test("a .bin, .pt, .pth or .ckpt file given by name is refused as pickle", async () => {
    for (const extension of ["bin", "pt", "pth", "ckpt"]) {
      const file = join(temporaryFolder("mother-discover-models-"), `model.${extension}`);
      await writeFile(file, "x");
      await expectMotherError(discoverModels([file]), file, /is a pickle checkpoint/);
    }
  });

  test("a model folder with only a pytorch_model.bin is refused as pickle", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeFile(join(root, "pytorch_model.bin"), "x");
    await writeFile(join(root, "config.json"), "{}");
    await expectMotherError(discoverModels([root]), join(root, "pytorch_model.bin"), /is a pickle checkpoint/);
  });

  test("a file that is neither .safetensors nor pickle is an error", async () => {
    const file = join(temporaryFolder("mother-discover-models-"), "model.onnx");
    await writeFile(file, "x");
    await expectMotherError(discoverModels([file]), file, /not a \.safetensors or \.gguf file or a model folder/);
  });

  test("a model holding only integer tensors is an error", async () => {
    const root = temporaryFolder("mother-discover-models-");
    const file = join(root, "ints.safetensors");
    const header = new TextEncoder().encode(JSON.stringify({ ids: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }));
    const bytes = new Uint8Array(8 + header.byteLength + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
    bytes.set(header, 8);
    await writeFile(file, bytes);
    await expectMotherError(discoverModels([file]), file, /no floating-point/);
  });

  test("empty tensors (a dimension of 0) are left out, with one note naming a file and the tensor", async () => {
    const root = temporaryFolder("mother-discover-models-");
    const empty = { name: "e.weight", dtype: "F32" as const, shape: [0, 64], data: new Float32Array(0) };
    await writeSafetensors(join(root, "a", "model.safetensors"), [weight("w"), empty]);
    await writeSafetensors(join(root, "b", "model.safetensors"), [weight("w"), empty]);
    const notes: string[] = [];
    const models = await discoverModels([root], (note) => notes.push(note));
    expect(models.map((m) => m.tensors.map((t) => t.name))).toEqual([["w"], ["w"]]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(join(root, "a", "model.safetensors"));
    expect(notes[0]).toContain("e.weight");
    expect(notes[0]).toMatch(/2 models/);
  });

  test("locatedFiles: a file, or a listed folder's safetensors files; nothing for what the listing does not tell", async () => {
    const root = temporaryFolder("mother-discover-models-");
    await writeSafetensors(join(root, "single.safetensors"), [weight("w")]);
    const folder = join(root, "two-files");
    await mkdir(folder);
    await writeSafetensors(join(folder, "a.safetensors"), [weight("a")]);
    await writeSafetensors(join(folder, "b.safetensors"), [weight("b"), weight("c")]);
    await writeFile(join(folder, "config.json"), "{}");
    const [file] = await locateModels(join(root, "single.safetensors"));
    expect(locatedFiles(file!)).toEqual([join(root, "single.safetensors")]);
    const [listed] = await locateModels(folder);
    expect(locatedFiles(listed!)).toEqual(["a", "b"].map((name) => join(folder, `${name}.safetensors`)));
    expect(locatedFiles({ ...listed!, entries: undefined })).toEqual([]);
  });
});
