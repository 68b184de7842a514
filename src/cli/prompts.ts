// The real prompts, behind the Prompts interface so tests can script answers. @inquirer/prompts
// loads on the first question, not at start-up.
import type { Prompts } from '../context/context.js';

const inquirer = () => import('@inquirer/prompts');

export const inquirerPrompts: Prompts = {
  input: async (o) => (await inquirer()).input(o),
  password: async (o) => (await inquirer()).password({ ...o, mask: '*' }),
  select: async (o) => (await inquirer()).select(o),
  confirm: async (o) => (await inquirer()).confirm(o),
};
