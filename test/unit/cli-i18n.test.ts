// The setup/doctor catalogue: every key in both languages with the same placeholders.
import { describe, expect, it } from 'vitest';
import { cliEn } from '../../src/i18n/cli-en.js';
import { cliRu } from '../../src/i18n/cli-ru.js';
import { cliText, placeholders, type CliKey } from '../../src/i18n/cli.js';

const CYRILLIC = /[А-Яа-яЁё]/;
// Texts that are only placeholders or names, the same in both languages.
// Texts that are only a placeholder: the problems themselves (file:line, Sentry's words).
const SAME = new Set<CliKey>(['doctor.routes.broken', 'doctor.routes.warnings', 'doctor.templates.broken', 'doctor.templates.notFolder', 'doctor.templates.missingSets', 'doctor.git.notIgnoredFix']);

describe('cli catalogue', () => {
  it('en and ru have exactly the same keys', () => {
    expect(Object.keys(cliRu).sort()).toEqual(Object.keys(cliEn).sort());
  });

  it('every text has the same {placeholders} in both languages', () => {
    for (const key of Object.keys(cliEn) as CliKey[]) {
      expect(placeholders(cliRu[key]), key).toEqual(placeholders(cliEn[key]));
    }
  });

  it('every Russian text is Russian (not a copied English one)', () => {
    for (const key of Object.keys(cliEn) as CliKey[]) {
      if (SAME.has(key)) continue;
      expect(cliRu[key], key).toMatch(CYRILLIC);
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(cliText('en')('doctor.title.route', { name: 'ops' })).toBe('Route "ops"');
    expect(cliText('ru')('doctor.title.route', { name: 'ops' })).toBe('Маршрут «ops»');
    expect(cliText('en')('doctor.title.route')).toBe('Route "{name}"');
  });
});
