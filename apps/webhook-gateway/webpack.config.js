const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

// Bundles the app and the libs it uses into dist/apps/<app>/main.js; node_modules stay
// external and are listed in the generated package.json for the image.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/', require('./project.json').name) },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.build.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: true,
      sourceMap: true,
    }),
  ],
};
