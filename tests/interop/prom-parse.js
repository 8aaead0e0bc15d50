// An independent Prometheus text-format parser (parse-prometheus-text-format) for the metrics tests: reads the
// exposition on stdin and prints the parsed families as JSON (name, type, and each metric's labels and value or
// buckets). It throws on text that does not follow the format.
const parse = require('parse-prometheus-text-format');
let text = '';
process.stdin.on('data', (d) => { text += d; });
process.stdin.on('end', () => { console.log(JSON.stringify(parse(text))); });
