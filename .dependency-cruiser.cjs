// The layer rules of sentry-tg (README, "Layers"), checked by `npm run check:layers`.
// Type-only imports count (tsPreCompilationDeps): a type import is a dependency too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders depend on each other one way: split or move code rather than import back.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'Modules do not import each other in a circle (type imports included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'transports-are-leaves',
      comment:
        'telegram/, store/, sentry/ and tunnel/ talk to the outside world; they know nothing of ' +
        'delivery policy, bot actions, the receiver or the CLI.',
      severity: 'error',
      from: { path: '^src/(telegram|store|sentry|tunnel)/' },
      to: { path: '^src/(deliver|act|receive|commands|cli)/' },
    },
    {
      name: 'pure-core-stays-pure',
      comment:
        'issue/, normalise/ and render/ are pure functions of their input: no database, no ' +
        'delivery, no bot actions, no CLI.',
      severity: 'error',
      from: { path: '^src/(issue|normalise|render)/' },
      to: { path: '^src/(store|commands|cli|deliver|act)/' },
    },
    {
      name: 'metrics-are-observed',
      comment:
        'Only the pipeline wires metrics in: the parts that see events (receive/, telegram/) take ' +
        'an observer callback and never import metrics/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(metrics|pipeline)/' },
      to: { path: '^src/metrics/' },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'Nothing the package ships imports test code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'store-connection-is-for-tests',
      comment: 'The raw connection (store/testing.ts) is for tests; the application uses the repositories.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/store[.]ts$' },
      to: { path: '^src/store/testing[.]ts$' },
    },
  ],
  options: {
    includeOnly: '^(src|test)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
