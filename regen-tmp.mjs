import { openRunSource } from './dist/report/source.js';
import { writeHtmlReport } from './dist/report/html/report-page.js';
const src = openRunSource(process.argv[2], process.cwd());
console.log(writeHtmlReport(src.report, src.recipeText, process.argv[3]));
