// A progress line for waits on the network: a spinner redrawn in place on a terminal, a plain
// line every few seconds otherwise (logs, CI, tests). Never holds the process open.
import type { Context } from '../../context/context.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;
const PLAIN_EVERY_MS = 10_000;

/** A fixed text, or a function read at every redraw (for a countdown). */
export type ProgressText = string | (() => string);

export interface Progress {
  update(text: ProgressText): void;
  /** Clears the spinner; the caller prints the outcome. */
  stop(): void;
}

/**
 * While nothing is asked, keystrokes must neither echo (a pasted token would show next to the
 * spinner) nor wait in the buffer to answer the next question. Raw mode turns the echo off, and
 * what arrives is read and dropped; Ctrl-C, which raw mode no longer turns into a signal, still
 * stops the program. Returns the undo.
 */
function muteInput(stdin: NodeJS.ReadStream | undefined): () => void {
  if (!stdin?.isTTY || typeof stdin.setRawMode !== 'function') return () => undefined;
  const wasRaw = stdin.isRaw;
  const drop = (chunk: Buffer | string) => {
    if (String(chunk).includes('\x03')) process.kill(process.pid, 'SIGINT');
  };
  stdin.setRawMode(true);
  stdin.on('data', drop);
  stdin.resume();
  return () => {
    stdin.off('data', drop);
    stdin.setRawMode(wasRaw);
    stdin.pause();
  };
}

export function startProgress(ctx: Pick<Context, 'stdout' | 'out' | 'now' | 'stdin'>, text: ProgressText): Progress {
  const tty = Boolean((ctx.stdout as NodeJS.WriteStream).isTTY);
  let current = text;
  const render = () => (typeof current === 'function' ? current() : current);
  if (!tty) {
    let lastAt = ctx.now();
    ctx.out.info(render());
    return {
      update(t) {
        current = t;
        if (ctx.now() - lastAt >= PLAIN_EVERY_MS) {
          lastAt = ctx.now();
          ctx.out.info(render());
        }
      },
      stop() {},
    };
  }
  const unmute = muteInput(ctx.stdin);
  let frame = 0;
  const draw = () => {
    ctx.stdout.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${render()}`);
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  return {
    update(t) {
      current = t;
    },
    stop() {
      clearInterval(timer);
      unmute();
      ctx.stdout.write('\r\x1b[2K');
    },
  };
}
