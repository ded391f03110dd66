import sharp from 'sharp';
import { seededRandom } from '../../platform/random';
import { deriveSeed } from './demo-data.generator';
import type { PropertyType } from './listings-contract';

/**
 * Procedurally drawn façade pictures for demo listings: an SVG (sky, building, ground, trees)
 * rendered to PNG by sharp (flat colours: PNG is smaller than JPEG here, and the listings
 * module re-encodes it fastest). A "SYNTHETIC" caption is drawn in a built-in pixel font rather
 * than with <text>, so the picture is the same on machines without fonts.
 */
export const photoWidth = 640;
export const photoHeight = 427;
const groundY = 360;
const propertyTypes: readonly PropertyType[] = ['apartment', 'house', 'townhouse', 'villa', 'land', 'commercial'];

type Random = ReturnType<typeof seededRandom>;

const skies = [
  ['#6fa8dc', '#d6ebfb'],
  ['#8fb8e8', '#f3e6c8'],
  ['#f0a35e', '#fde6bf'],
  ['#9fb4c7', '#e3e9ef'],
  ['#5b8fd1', '#cfe5f7'],
] as const;
const walls = ['#b5523b', '#d9c5a0', '#e8dcc2', '#c98b5a', '#f1e3a6', '#a9b8a6', '#d7d2cc', '#f4efe6', '#8c4a3b', '#e2b8a0'];
const roofs = ['#4a4f57', '#8a3b2a', '#5b3a29', '#3e4a5c', '#6b6b6b'];
const doors = ['#1f4d3a', '#22335a', '#8a1f1f', '#1d1d1d', '#6b4226', '#2f6f73'];
const greens = ['#6aa84f', '#7cb15a', '#5d9447', '#88b86a'];

const rect = (x: number, y: number, w: number, h: number, fill: string, extra = '') =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"${extra}/>`;

function window(x: number, y: number, w: number, h: number, glass: string): string {
  return rect(x - 2, y - 2, w + 4, h + 4, '#f7f7f2') + rect(x, y, w, h, glass) + rect(x + w / 2 - 1, y, 2, h, '#f7f7f2') + rect(x, y + h * 0.45, w, 2, '#f7f7f2');
}

function tree(x: number, random: Random): string {
  const size = random.int(22, 38);
  const green = random.pick(greens);
  return (
    rect(x - 3, groundY - size * 1.1, 6, size * 1.1, '#6b4a2f') +
    `<circle cx="${x}" cy="${groundY - size * 1.4}" r="${size}" fill="${green}"/>` +
    `<circle cx="${x - size * 0.5}" cy="${groundY - size * 1.1}" r="${size * 0.7}" fill="${green}" opacity="0.9"/>`
  );
}

function windowGrid(x: number, y: number, width: number, floors: number, floorHeight: number, columns: number, glass: string, skipDoor: boolean): string {
  let parts = '';
  const cell = width / columns;
  for (let floor = 0; floor < floors; floor++) {
    for (let column = 0; column < columns; column++) {
      if (skipDoor && floor === floors - 1 && column === Math.floor(columns / 2)) continue;
      parts += window(x + column * cell + cell * 0.22, y + floor * floorHeight + floorHeight * 0.2, cell * 0.56, floorHeight * 0.58, glass);
    }
  }
  return parts;
}

function door(x: number, width: number, height: number, colour: string): string {
  return rect(x - 3, groundY - height - 3, width + 6, height + 3, '#f7f7f2') + rect(x, groundY - height, width, height, colour) + `<circle cx="${x + width * 0.8}" cy="${groundY - height / 2}" r="2" fill="#d4af37"/>`;
}

function drawBuilding(propertyType: PropertyType, random: Random): string {
  const wall = random.pick(walls);
  const roof = random.pick(roofs);
  const glass = random.pick(['#9cc3e0', '#a7c7d9', '#8fb3cf', '#b7d3e6']);
  const doorColour = random.pick(doors);
  switch (propertyType) {
    case 'apartment': {
      const floors = random.int(4, 6);
      const floorHeight = Math.min(52, 280 / floors);
      const width = random.int(280, 380);
      const x = (photoWidth - width) / 2 + random.int(-40, 40);
      const top = groundY - floors * floorHeight;
      const columns = random.int(4, 6);
      let svg = rect(x, top, width, floors * floorHeight, wall) + rect(x - 6, top - 10, width + 12, 12, roof);
      svg += windowGrid(x, top, width, floors, floorHeight, columns, glass, true);
      if (random.chance(0.6)) {
        for (let floor = 1; floor < floors - 1; floor++) svg += rect(x + width * 0.1, top + (floor + 0.8) * floorHeight, width * 0.8, 4, '#55595f');
      }
      return svg + door(x + (Math.floor(columns / 2) + 0.25) * (width / columns), (width / columns) * 0.5, floorHeight * 0.8, doorColour);
    }
    case 'townhouse': {
      const count = 3;
      const width = random.int(90, 110);
      const start = (photoWidth - count * width) / 2;
      let svg = '';
      for (let i = 0; i < count; i++) {
        const x = start + i * width;
        const height = random.int(190, 240);
        const top = groundY - height;
        const colour = i === 1 ? wall : random.pick(walls);
        svg += rect(x, top, width, height, colour) + `<polygon points="${x},${top} ${x + width / 2},${top - 46} ${x + width},${top}" fill="${colour}" stroke="#f7f7f2" stroke-width="3"/>`;
        svg += windowGrid(x, top + 8, width, Math.floor((height - 70) / 55), 55, 2, glass, false);
        svg += door(x + width * 0.35, width * 0.3, 54, i === 1 ? doorColour : random.pick(doors));
      }
      return svg;
    }
    case 'commercial': {
      const width = random.int(340, 420);
      const x = (photoWidth - width) / 2;
      const top = groundY - 230;
      const awning = random.pick(['#b03a2e', '#1f618d', '#196f3d', '#7d3c98']);
      let svg = rect(x, top, width, 230, wall) + rect(x - 6, top - 10, width + 12, 12, roof);
      svg += windowGrid(x, top, width, 2, 55, 5, glass, false);
      svg += rect(x + 12, groundY - 100, width - 24, 94, glass) + rect(x + 8, groundY - 118, width - 16, 22, awning);
      for (let stripe = 0; stripe < 10; stripe++) svg += rect(x + 8 + stripe * ((width - 16) / 10), groundY - 118, (width - 16) / 20, 22, '#f7f7f2', ' opacity="0.5"');
      return svg + door(x + width / 2 - 22, 44, 86, doorColour);
    }
    case 'land': {
      let svg = `<polygon points="0,${groundY - 40} ${photoWidth},${groundY - 70} ${photoWidth},${groundY} 0,${groundY}" fill="${random.pick(greens)}"/>`;
      svg += rect(400, groundY - 110, 6, 110, '#6b4a2f') + rect(360, groundY - 130, 90, 48, '#f7f7f2', ' stroke="#333" stroke-width="2"');
      svg += rect(372, groundY - 118, 66, 6, '#b03a2e') + rect(372, groundY - 104, 44, 6, '#555');
      return svg;
    }
    default: {
      // house and villa: a pitched roof, a chimney, a garage for the larger ones.
      const villa = propertyType === 'villa';
      const width = villa ? random.int(380, 440) : random.int(250, 320);
      const height = villa ? 150 : random.int(150, 190);
      const x = (photoWidth - width) / 2 + random.int(-30, 30);
      const top = groundY - height;
      const overhang = 20;
      const ridge = villa ? 60 : random.int(70, 100);
      let svg = rect(x + width * 0.7, top - ridge * 0.9, 22, ridge * 0.6, '#7a3b2e');
      svg += `<polygon points="${x - overhang},${top} ${x + width / 2},${top - ridge} ${x + width + overhang},${top}" fill="${roof}"/>`;
      svg += rect(x, top, width, height, wall);
      svg += windowGrid(x, top, width, 2, height / 2, villa ? 5 : 3, glass, true);
      svg += door(x + width / 2 - 18, 36, Math.min(70, height / 2 - 6), doorColour);
      if (villa && random.chance(0.6)) svg += rect(40, groundY + 18, 200, 30, '#5dade2', ' rx="6"');
      return svg;
    }
  }
}

/** A 5x7 pixel font, just the letters the caption needs. */
const glyphs: Record<string, readonly string[]> = {
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  Y: ['10001', '10001', '01010', '00100', '00100', '00100', '00100'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  I: ['01110', '00100', '00100', '00100', '00100', '00100', '01110'],
  C: ['01111', '10000', '10000', '10000', '10000', '10000', '01111'],
};

function pixelText(text: string, x: number, y: number, pixel: number, fill: string): string {
  let path = '';
  [...text].forEach((letter, position) => {
    const glyph = glyphs[letter] ?? [];
    glyph.forEach((row, rowIndex) => {
      [...row].forEach((bit, column) => {
        if (bit === '1') path += `M${x + (position * 6 + column) * pixel} ${y + rowIndex * pixel}h${pixel}v${pixel}h-${pixel}z`;
      });
    });
  });
  return `<path d="${path}" fill="${fill}"/>`;
}

export function captionSvg(): string {
  const pixel = 2;
  const width = 'SYNTHETIC'.length * 6 * pixel + 10;
  const x = photoWidth - width - 8;
  const y = photoHeight - 7 * pixel - 18;
  return rect(x, y, width, 7 * pixel + 10, '#000000', ' rx="4" opacity="0.55"') + pixelText('SYNTHETIC', x + 6, y + 5, pixel, '#ffffff');
}

/** The complete SVG for one design number; the same number always draws the same picture. */
export function drawFacadeSvg(propertyType: PropertyType, design: number): string {
  const random = seededRandom(deriveSeed(design, propertyTypes.indexOf(propertyType), 7));
  const [skyTop, skyBottom] = random.pick(skies);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${photoWidth}" height="${photoHeight}" viewBox="0 0 ${photoWidth} ${photoHeight}">`;
  svg += `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${skyTop}"/><stop offset="1" stop-color="${skyBottom}"/></linearGradient></defs>`;
  svg += rect(0, 0, photoWidth, groundY, 'url(#sky)');
  if (random.chance(0.5)) svg += `<circle cx="${random.int(60, 580)}" cy="${random.int(40, 90)}" r="26" fill="#fff4c2" opacity="0.9"/>`;
  for (let cloud = random.int(0, 3); cloud > 0; cloud--) {
    const cx = random.int(40, 600);
    const cy = random.int(30, 110);
    svg += `<ellipse cx="${cx}" cy="${cy}" rx="${random.int(30, 55)}" ry="${random.int(10, 16)}" fill="#ffffff" opacity="0.8"/>`;
  }
  // Neighbouring buildings, pale, behind the subject.
  for (let x = -20; x < photoWidth; x += random.int(70, 130)) {
    const height = random.int(120, 240);
    svg += rect(x, groundY - height, random.int(60, 120), height, '#c8cfd8', ' opacity="0.55"');
  }
  svg += rect(0, groundY, photoWidth, photoHeight - groundY, random.pick(greens));
  svg += rect(0, groundY + 4, photoWidth, 14, '#c9c4ba');
  svg += drawBuilding(propertyType, random);
  if (propertyType !== 'land' || random.chance(0.5)) svg += tree(random.int(30, 90), random) + tree(random.int(550, 615), random);
  svg += captionSvg();
  return `${svg}</svg>`;
}

export async function renderPhoto(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * Renders photos for demo listings, reusing a bounded set of distinct pictures per property type
 * (design = photo seed modulo `distinct`): a demo of thousands of listings needs variety, not
 * thousands of unique renders. `distinct: 0` renders every photo seed individually.
 */
export class DemoPhotoRenderer {
  private readonly cache = new Map<string, Promise<Buffer>>();
  rendered = 0;

  constructor(private readonly distinct: number = 48) {}

  photo(propertyType: PropertyType, photoSeed: number): Promise<Buffer> {
    const design = this.distinct > 0 ? photoSeed % this.distinct : photoSeed;
    const key = `${propertyType}:${design}`;
    let buffer = this.cache.get(key);
    if (!buffer) {
      this.rendered += 1;
      buffer = renderPhoto(drawFacadeSvg(propertyType, design));
      if (this.distinct > 0) this.cache.set(key, buffer);
    }
    return buffer;
  }
}
