import { expect, test } from "bun:test";
import { loadSpeeches, splitSentences } from "../../../datasets/text/speeches.ts";

test("loadSpeeches reads all 233 addresses in year order with president and party from the file name", () => {
  const speeches = loadSpeeches();
  expect(speeches.length).toBe(233);
  expect(speeches[0]).toMatchObject({ year: 1790, president: "George Washington", party: "no party" });
  expect(speeches[speeches.length - 1]).toMatchObject({ year: 2021, president: "Joseph R Biden", party: "Democratic" });
  for (let i = 1; i < speeches.length; i++) expect(speeches[i]!.year).toBeGreaterThanOrEqual(speeches[i - 1]!.year);
  expect(speeches.every((speech) => speech.party !== "unknown party" && speech.text.length > 1000)).toBe(true);
});

test("splitSentences splits at sentence ends but not after titles or initials", () => {
  expect(splitSentences('Mr. Speaker, we met. Is it so? "Yes," he said! The U.S. Army and J. Smith agree.')).toEqual([
    "Mr. Speaker, we met.",
    "Is it so?",
    '"Yes," he said!',
    "The U.S. Army and J. Smith agree.",
  ]);
});
