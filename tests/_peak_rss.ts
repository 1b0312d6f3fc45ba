/**
 * Runs the CLI in this process with the given arguments, then prints the
 * process's peak RSS in kilobytes (VmHWM) on stderr as `peak-rss-kb N`.
 *
 * @module
 */

import { main } from "../main.ts";

const code = await main(Deno.args);
const status = await Deno.readTextFile("/proc/self/status");
console.error(`peak-rss-kb ${/VmHWM:\s+(\d+)/.exec(status)?.[1]}`);
Deno.exit(code);
