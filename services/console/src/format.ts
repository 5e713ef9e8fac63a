// Dates in Asia/Ho_Chi_Minh and numbers in Vietnamese format, whatever the browser's settings.
export const TIME_ZONE = "Asia/Ho_Chi_Minh";
const DAY = { day: "2-digit", month: "2-digit", year: "numeric" } as const;
const dateTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: TIME_ZONE,
  ...DAY,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const dateOnly = new Intl.DateTimeFormat("vi-VN", { timeZone: TIME_ZONE, ...DAY });
const numbers = new Intl.NumberFormat("vi-VN");
const percent = new Intl.NumberFormat("vi-VN", { style: "percent", maximumFractionDigits: 1 });

/** "16:30:05 07/12/2026" (an ISO instant shown in Vietnam's time), "—" when absent. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

/** A calendar date ("2026-12-07", no time zone shift) as "07/12/2026". */
export function formatDate(day: string | null | undefined): string {
  if (!day) return "—";
  const [y, m, d] = day.split("-").map(Number);
  return dateOnly.format(new Date(Date.UTC(y, m - 1, d, 5)));
}

export function formatNumber(n: number): string {
  return numbers.format(n);
}

export function formatPercent(ratio: number): string {
  return percent.format(ratio);
}
