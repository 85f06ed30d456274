const { appWebpackConfig } = require('../../tools/build/app-webpack-config');

// The operator console's files (src/console) are served from dist/apps/webhook-gateway/console.
module.exports = appWebpackConfig(__dirname, {
  assets: [{ input: 'apps/webhook-gateway/src/console', glob: '**/*', output: 'console' }],
});
