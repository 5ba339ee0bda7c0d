// Finds the lines of a Python program marked with `# @name` comments, so tests never hard-code line numbers.
// Read-only; it must not interpret the program otherwise.
'use strict';
const fs = require('fs');

/** Map name -> 1-based line for every `# @name` marker in `file`. */
function markerLines(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const found = {};
  lines.forEach((text, i) => {
    for (const m of text.matchAll(/#\s*@([\w-]+)/g)) found[m[1]] = i + 1;
  });
  return found;
}

module.exports = { markerLines };
