/**
 * The page's main-thread long tasks (PerformanceObserver `longtask`: over
 * 50 ms), recorded from the page's first moment; read back for a span of the
 * page's own clock. Shared by bench/playground-speed.ts and
 * test/playground.test.ts.
 */
import type { Page } from 'playwright-core';

export interface LongTask {
  start: number;
  duration: number;
}

/** Records every long task of the pages `page` loads from now on (call before `goto`). */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: LongTask[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The page's clock now (performance.now()), to mark a span's ends. */
export const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/** The long tasks that overlap [from, until] of the page's clock. */
export async function longTasksBetween(page: Page, from: number, until: number): Promise<LongTask[]> {
  const all = await page.evaluate(() => (window as unknown as { __longTasks: LongTask[] }).__longTasks);
  return all.filter((t) => t.start + t.duration >= from && t.start <= until);
}
