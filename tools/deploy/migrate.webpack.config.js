// Bundles tools/db/migrate.ts, with the libs it imports (the domain's migrations among them),
// into dist/tools/db/migrate.js. The migrate image runs that file with production
// dependencies only: no ts-node, no tsconfig-paths, no TypeScript sources.
//
//   npx webpack --config tools/deploy/migrate.webpack.config.js
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '../..');
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

// '@inbound/domain$' -> libs/domain/src/index.ts: the libs are compiled into the bundle.
const alias = Object.fromEntries(Object.entries(paths).map(([name, [target]]) => [`${name}$`, join(root, target)]));

module.exports = {
  mode: 'production',
  target: 'node',
  context: root,
  entry: join(root, 'tools/db/migrate.ts'),
  output: { path: join(root, 'dist/tools/db'), filename: 'migrate.js', clean: true },
  devtool: 'source-map',
  resolve: { extensions: ['.ts', '.js'], alias },
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: 'ts-loader',
        options: { transpileOnly: true, configFile: join(root, 'tools/tsconfig.tools.json') },
      },
    ],
  },
  // Packages from node_modules stay require()s, resolved in the image's production install.
  externals: [
    ({ request }, callback) =>
      /^[@a-z]/i.test(request) && !request.startsWith('@inbound/') ? callback(null, `commonjs ${request}`) : callback(),
  ],
  // Readable stack traces, and class names kept (TypeORM records migrations by class name).
  optimization: { minimize: false },
  node: { __dirname: false, __filename: false },
  performance: { hints: false },
};
