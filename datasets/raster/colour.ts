import type { Rng } from "../rng.ts";
import type { Rgb } from "./canvas.ts";

/** HSV → RGB; hue in turns [0, 1) (wraps), saturation and value in [0, 1]. */
export function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = ((hue % 1) + 1) % 1 * 6;
  const sector = Math.floor(h);
  const f = h - sector;
  const p = value * (1 - saturation);
  const q = value * (1 - saturation * f);
  const t = value * (1 - saturation * (1 - f));
  switch (sector) {
    case 0: return [value, t, p];
    case 1: return [q, value, p];
    case 2: return [p, value, t];
    case 3: return [p, q, value];
    case 4: return [t, p, value];
    default: return [value, p, q];
  }
}

/** RGB → [hue in turns, saturation, value]; hue is 0 for greys. Used by oracles. */
export function rgbToHsv(red: number, green: number, blue: number): [number, number, number] {
  const max = Math.max(red, green, blue);
  const min = Math.min(red, green, blue);
  const chroma = max - min;
  let hue = 0;
  if (chroma > 0) {
    if (max === red) hue = ((green - blue) / chroma + 6) % 6;
    else if (max === green) hue = (blue - red) / chroma + 2;
    else hue = (red - green) / chroma + 4;
  }
  return [hue / 6, max === 0 ? 0 : chroma / max, max];
}

/** A vivid colour of random hue: what objects are painted with. */
export function vividColour(rng: Rng): Rgb {
  return hsvToRgb(rng.uniform(), rng.uniform(0.55, 1), rng.uniform(0.6, 1));
}

/** A dull, low-saturation colour of random lightness: what backgrounds are painted with. */
export function mutedColour(rng: Rng): Rgb {
  return hsvToRgb(rng.uniform(), rng.uniform(0, 0.25), rng.uniform(0.1, 0.9));
}

/** Mix two colours: t = 0 gives `a`, t = 1 gives `b`. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Relative luminance (Rec. 709 weights on the values as given). */
export function luminance(colour: Rgb): number {
  return 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2];
}

/** A random colour whose luminance differs from `against` by at least `minimumGap`. */
export function contrastingColour(rng: Rng, against: Rgb, minimumGap: number, vivid = true): Rgb {
  const base = luminance(against);
  for (let attempt = 0; attempt < 32; attempt++) {
    const candidate = vivid ? vividColour(rng) : mutedColour(rng);
    if (Math.abs(luminance(candidate) - base) >= minimumGap) return candidate;
  }
  return base > 0.5 ? [0.05, 0.05, 0.05] : [0.95, 0.95, 0.95];
}
