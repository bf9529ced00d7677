// Human numbers and times for the lab extension: the same words as dp_notebook/render/format.py.

/** 1234567 → "1,234,567"; with a unit: count(1, 'product') → "1 product". */
export function count(n: number, unit = ''): string {
  const text = Math.round(n).toLocaleString('en-US');
  return unit ? `${text} ${n === 1 ? unit : unit + 's'}` : text;
}

/** "2026-11-30 02:40:13 UTC" (for hovers). */
export function utcText(iso: string): string {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** "just now", "3 min ago", "5 h ago", "yesterday", "12 days ago", then the date. */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (isNaN(t.getTime())) {
    return iso;
  }
  const seconds = (now.getTime() - t.getTime()) / 1000;
  const d = Math.abs(seconds);
  const future = seconds < 0;
  let text: string;
  if (d < 45) {
    return 'just now';
  } else if (d < 3600) {
    text = `${Math.max(1, Math.round(d / 60))} min`;
  } else if (d < 86400) {
    text = `${Math.round(d / 3600)} h`;
  } else if (d < 2 * 86400 && !future) {
    return 'yesterday';
  } else if (d < 30 * 86400) {
    text = `${Math.round(d / 86400)} days`;
  } else {
    return t.toISOString().slice(0, 10);
  }
  return future ? `in ${text}` : `${text} ago`;
}

/** 1.5 → "1.5%", 0.004 → "< 0.01%". */
export function percent(p: number): string {
  if (p === 0 || p === 100) {
    return `${p}%`;
  }
  if (Math.abs(p) < 0.01) {
    return '< 0.01%';
  }
  return `${+p.toPrecision(3)}%`;
}
