// Adjusts the Rspack build that `nest build` sets up (builder "rspack" in nest-cli.json).
// Type checking is not done here: `npm run typecheck` (part of `npm run lint`) does it.
module.exports = (options) => ({
  module: {
    ...options.module,
    parser: {
      javascript: {
        // SWC transpiles each file alone, so a type imported for decorator metadata looks like
        // a missing value export; tsc (npm run typecheck) catches genuinely missing exports.
        exportsPresence: false,
      },
    },
  },
});
