// WCAG contrast for the colours a log asks for. A job may print black on black or dark blue
// on the dark log background; the viewer keeps each colour's hue but moves it towards white
// (or black) just far enough to be readable (WCAG AA, 4.5:1), so no line is invisible and an
// accessibility scan passes whatever the job printed. Pure, so unit tests run it under Node.

/** A colour as 0xRRGGBB. */
export type Rgb = number;

export const MIN_CONTRAST = 4.5;

const channel = (rgb: Rgb, shift: number) => (rgb >> shift) & 0xff;

function linear(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function luminance(rgb: Rgb): number {
  return 0.2126 * linear(channel(rgb, 16)) + 0.7152 * linear(channel(rgb, 8)) + 0.0722 * linear(channel(rgb, 0));
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

export function mix(from: Rgb, to: Rgb, amount: number): Rgb {
  const at = (shift: number) => Math.round(channel(from, shift) + (channel(to, shift) - channel(from, shift)) * amount);
  return (at(16) << 16) | (at(8) << 8) | at(0);
}

const cache = new Map<string, Rgb>();

/**
 * `fg` itself when it reaches `minimum` against `bg`, else the least mix of it towards white
 * or black (whichever can contrast more with `bg`) that does. Results are cached: a log uses
 * few distinct pairs.
 */
export function readableOn(fg: Rgb, bg: Rgb, minimum = MIN_CONTRAST): Rgb {
  if (contrastRatio(fg, bg) >= minimum) return fg;
  const key = `${fg}:${bg}:${minimum}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const target = contrastRatio(0xffffff, bg) >= contrastRatio(0x000000, bg) ? 0xffffff : 0x000000;
  // Bisect the smallest mix that passes; 12 steps resolve it well below one channel step.
  let low = 0;
  let high = 1;
  for (let step = 0; step < 12; step++) {
    const middle = (low + high) / 2;
    if (contrastRatio(mix(fg, target, middle), bg) >= minimum) high = middle;
    else low = middle;
  }
  const result = mix(fg, target, high);
  cache.set(key, result);
  return result;
}

export function cssColour(rgb: Rgb): string {
  return `#${rgb.toString(16).padStart(6, '0')}`;
}
