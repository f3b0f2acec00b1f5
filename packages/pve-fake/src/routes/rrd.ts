const STEP_S: Record<string, number> = {
  hour: 60,
  day: 1800,
  week: 10800,
  month: 43200,
  year: 604800,
  decade: 6048000,
};

/** 70 RRD points ending now, one step apart (1 minute for `hour`), each `time` plus the given values. */
export function rrdSeries(
  nowSeconds: number,
  timeframe: string,
  values: (i: number) => Record<string, number>,
): Record<string, number>[] {
  const step = STEP_S[timeframe] ?? 60;
  const last = Math.floor(nowSeconds / step) * step;
  return Array.from({ length: 70 }, (_, i) => ({ time: last - (69 - i) * step, ...values(i) }));
}
