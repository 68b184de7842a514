// The receiver's own failures, as facts; src/commands/hints.ts words what to do about them.

/** Another process holds the port the receiver was told to listen on. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`Port ${port} on ${host} is already in use.`);
    this.name = 'PortInUseError';
  }
}
