// A progress line for waits on the network: a spinner redrawn in place on a terminal, a plain
// line every few seconds otherwise (logs, CI, tests). Never holds the process open.
import type { Context } from '../../cli/context.js';

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

export function startProgress(ctx: Pick<Context, 'stdout' | 'out' | 'now'>, text: ProgressText): Progress {
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
      ctx.stdout.write('\r\x1b[2K');
    },
  };
}
