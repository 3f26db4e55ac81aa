// Terminal columns: CJK and full-width characters take two, so cut lines and tables fit what the terminal shows.
import { describe, expect, it } from 'vitest';
import { displayWidth, truncateDisplay } from '../../src/util/display-width.js';

describe('display width', () => {
  it('counts CJK and full-width characters as two columns', () => {
    expect(displayWidth('demo')).toBe(4);
    expect(displayWidth('实例 demo')).toBe(9);
    expect(displayWidth('－－force')).toBe(9);
  });

  it('cuts a line to the columns it may take, with an ellipsis, never splitting a wide character', () => {
    expect(truncateDisplay('demo: Running', 20)).toBe('demo: Running');
    expect(truncateDisplay('demo: Creating - installing openclaw', 16)).toBe('demo: Creating …');
    expect(displayWidth(truncateDisplay('正在启动实例 demo', 7))).toBeLessThanOrEqual(7);
    expect(truncateDisplay('正在启动实例 demo', 7)).toBe('正在启…');
  });
});
