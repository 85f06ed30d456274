const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The webpack config every app shares. It bundles the app and the libs it uses into
 * dist/apps/<app>/main.js. node_modules stay external and are listed in the generated
 * package.json for the image.
 *
 * @param {string} appDir the app's folder (its webpack.config.js passes __dirname)
 * @param {{ assets?: Array<{ input: string, glob: string, output: string }> }} [options] files copied as they are next to
 *   main.js (input relative to the workspace root, output relative to dist/apps/<app>)
 */
function appWebpackConfig(appDir, options = {}) {
  return {
    output: { path: join(__dirname, '../../dist/apps/', require(join(appDir, 'project.json')).name) },
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
        assets: options.assets ?? [],
      }),
    ],
  };
}

module.exports = { appWebpackConfig };
