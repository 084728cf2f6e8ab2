/**
 * The captioning panel's work: a caption model folder (config.json and
 * model.safetensors, as `recurrent caption train` writes them) and decoded
 * pixels -> the caption by beam search, each word's attention over the
 * image's grid, and the grid's shape. Shared by the worker and Node.
 */
import { Captioner, type JsonValue, type RgbaImage } from 'recurrent-nn';

export interface CaptionView {
  text: string;
  words: string[];
  /** per word, the weights over the grid's cells, row-major */
  attention: number[][];
  grid: [number, number];
}

export function captionView(files: { config: JsonValue; weights: Uint8Array }, image: RgbaImage, beam = 3): CaptionView {
  const c = Captioner.fromFiles(files, 'the dropped folder');
  if (c.options.features) throw new Error('this captioner reads precomputed features, not pixels: caption it with `recurrent caption MODEL --features FILE`');
  const r = c.caption(image, { beam });
  return { text: r.text, words: r.words, attention: r.attention, grid: r.grid };
}
