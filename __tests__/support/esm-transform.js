// jest loads tests as CommonJS; `jose` ships only ES modules (Node ≥ 20.19 requires them natively, jest's
// module system does not). This turns such a dependency into CommonJS, once per file, with esbuild.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { loader: 'js', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline' });
    return { code, map };
  },
};
