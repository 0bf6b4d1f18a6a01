/** A one-line markdown header on top of each dashboard: what it shows and how to read it. */
import { GRID_WIDTH, SpecItem, type TextWidget } from '../model.js';

const HEADER_HEIGHT = 2;

export function headerWidget(title: string, text: string): TextWidget {
  return { kind: 'text', id: 'header', specItem: SpecItem.Extra, title, width: GRID_WIDTH, height: HEADER_HEIGHT, markdown: `## ${title}\n${text}` };
}
