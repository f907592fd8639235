/** cis-debian-12: a pass and a fail fixture for every check (table in cis-linux-cases.ts). */
import { describeLinuxPack } from "./cis-linux-pack.js";

describeLinuxPack("cis-debian-12", "debian");
