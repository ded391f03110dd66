import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DemoPhotoRenderer, drawFacadeSvg, photoHeight, photoWidth, renderPhoto } from './demo-photos';

describe('procedural façade photos', () => {
  it('draws the same SVG for the same design and a different one for another design or type', () => {
    expect(drawFacadeSvg('house', 12)).toBe(drawFacadeSvg('house', 12));
    expect(drawFacadeSvg('house', 12)).not.toBe(drawFacadeSvg('house', 13));
    expect(drawFacadeSvg('house', 12)).not.toBe(drawFacadeSvg('villa', 12));
  });

  it('renders a PNG of the stated size with the SYNTHETIC caption in its pixels', async () => {
    const image = await renderPhoto(drawFacadeSvg('apartment', 3));
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: photoWidth, height: photoHeight });
    expect(image.length).toBeLessThan(60_000);
    // The caption is a dark box with white pixel letters in the bottom-right corner.
    const corner = await sharp(image).extract({ left: photoWidth - 125, top: photoHeight - 40, width: 115, height: 30 }).greyscale().raw().toBuffer();
    const white = corner.filter((value) => value > 220).length;
    const dark = corner.filter((value) => value < 100).length; // grass alone is about 140 in grey
    expect(white).toBeGreaterThan(100);
    expect(dark).toBeGreaterThan(500);
  });

  it('reuses a bounded set of renders and can render every photo individually', async () => {
    const shared = new DemoPhotoRenderer(4);
    const seeds = Array.from({ length: 40 }, (_, i) => i * 7919);
    const buffers = await Promise.all(seeds.map((seed) => shared.photo('townhouse', seed)));
    expect(shared.rendered).toBeLessThanOrEqual(4);
    expect(new Set(buffers).size).toBe(shared.rendered);
    const individual = new DemoPhotoRenderer(0);
    await Promise.all(seeds.slice(0, 5).map((seed) => individual.photo('townhouse', seed)));
    expect(individual.rendered).toBe(5);
  });
});
