// How issue messages write a time: always UTC, so everyone in a chat reads the same clock.

/** `14:02 UTC` */
export function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}
