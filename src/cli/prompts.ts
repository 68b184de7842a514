// The real prompts, behind the Prompts interface so tests can script answers.
import { confirm, input, password, select } from '@inquirer/prompts';
import type { Prompts } from './context.js';

export const inquirerPrompts: Prompts = {
  input: (o) => input(o),
  password: (o) => password({ ...o, mask: '*' }),
  select: (o) => select(o),
  confirm: (o) => confirm(o),
};
