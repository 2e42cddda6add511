/**
 * Preloaded (`node -r dist/bench/rss.js`) into a process the bench runs whole, such as `warden plan`: on exit it
 * writes the process's peak RSS in KiB to the file named by BACKUP_WARDEN_BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BACKUP_WARDEN_BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
